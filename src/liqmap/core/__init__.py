"""Pure numerics: margin math, the estimator, clusters. Nothing here does I/O."""
