"""Requests: an applicant's request for disclosure (依申请公开) from receipt to reply, as a state machine."""
