"""helpers: the small, tested package the notebooks import, a module a topic (data, training, models,
arithmetic, checkerboard, plotting, diagrams, widgets, claims, vae), e.g. ``helpers.data.load_mnist``."""
