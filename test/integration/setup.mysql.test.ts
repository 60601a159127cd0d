import { describeTestSetup } from './suites/setup.ts'

describeTestSetup('mysql')
