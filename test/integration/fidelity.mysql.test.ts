import { describeFidelity } from './suites/fidelity.ts'

describeFidelity('mysql')
