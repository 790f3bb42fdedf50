"""Publishing: disclosure items and their versions, intake, and publication to public channels."""
