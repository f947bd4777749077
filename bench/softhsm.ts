// A throwaway SoftHSM token for benchmarks (same layout as the tests' helper).
export { createToken, pin, SOFTHSM_MODULE, useSoftHsm } from '../test/helpers/softhsm';
