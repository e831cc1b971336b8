"""Page views of the campaigns app, one module per resource."""
