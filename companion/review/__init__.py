"""Human review before delivery: the workflow, who may review, the delivery gate, the outbox."""
