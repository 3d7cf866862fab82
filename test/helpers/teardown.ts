// What a helper needs of its caller to clean up: a tap Test has it, and so does anything else that collects
// teardown functions, so helpers can run outside a test (scripts, the benches) too.
export interface Teardown { teardown (fn: () => unknown): void }
