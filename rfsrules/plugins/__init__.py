"""Plugin system: hook specifications and the plugin manager."""
