"""OneGrid: one store for a city's grid-governance data, shared once, traced always."""
