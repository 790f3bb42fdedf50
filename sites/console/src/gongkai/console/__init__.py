"""The staff console: server-rendered pages for clerks, reviewers and auditors over the services' HTTP APIs."""
