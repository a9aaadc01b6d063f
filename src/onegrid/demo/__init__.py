"""The demo city: Lucheng district of Wenzhou, its departments, people and feeds."""
