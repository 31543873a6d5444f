// Placeholder until the contract lands: the preload exposes nothing yet.
export {};
