import { describeRawSql } from './suites/raw-sql.ts'

describeRawSql('postgresql')
