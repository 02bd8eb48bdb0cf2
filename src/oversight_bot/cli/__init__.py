"""The `oversight` command line: the main job, the console, imports, checks."""
