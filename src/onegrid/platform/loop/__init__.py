"""The issue loop: intake (dedup, routing), the state machine, handling, SLAs and queues."""
