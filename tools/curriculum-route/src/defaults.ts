/** The seed when neither --seed nor the config gives one. */
export const DEFAULT_SEED = 1;
/** The epoch cap when neither --max-epochs nor the config gives one (Muennighoff et al. 2023: up to ~4 epochs of repeated data cost little). */
export const DEFAULT_MAX_EPOCHS = 4;
