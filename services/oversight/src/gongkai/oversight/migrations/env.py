from gongkai.oversight.tables import metadata
from gongkai.shared.migrations import run_env

run_env(metadata)
