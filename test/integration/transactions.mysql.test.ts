import { describeTransactions } from './suites/transactions.ts'

describeTransactions('mysql')
