import { describeNoStaleResurrection } from './suites/no-stale-resurrection.ts'

describeNoStaleResurrection('postgresql')
