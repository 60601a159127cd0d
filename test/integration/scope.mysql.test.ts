import { describeScopes } from './suites/scope.ts'

describeScopes('mysql')
