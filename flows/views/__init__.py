"""The flow editor's pages and htmx partials, one module per resource."""
