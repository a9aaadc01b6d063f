"""Who uses the platform: departments and users' passwords."""
