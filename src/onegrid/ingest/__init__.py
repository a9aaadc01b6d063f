"""The Kafka side: the contract, the worker that stores each fact once, dead letters, feeds."""
