"""Review: confidentiality review (保密审查) — screening, the reviewers' queue and decisions bound to a content hash."""
