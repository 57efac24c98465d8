"""HTTP plumbing shared by all modules: dependencies, problem details, middleware, health."""
