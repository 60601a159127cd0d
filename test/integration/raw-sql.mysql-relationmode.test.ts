import { describeRawSql } from './suites/raw-sql.ts'

describeRawSql('mysql-relationmode')
