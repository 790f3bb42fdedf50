"""Payloads of Gongkai's events and commands, versioned in their CloudEvents ``type``.

Events are facts, named in the past tense; commands (on the intake exchange) are imperative.
Consumers ignore fields they do not know, so adding an optional field is not a new version.
One module per domain; everything is re-exported here (``from gongkai.shared import contracts as c``).
"""

from ._base import *  # noqa: F403
from .audit import *  # noqa: F403
from .deadlines import *  # noqa: F403
from .disclosure import *  # noqa: F403
from .intake import *  # noqa: F403
from .operations import *  # noqa: F403
from .oversight import *  # noqa: F403
from .participation import *  # noqa: F403
from .requests import *  # noqa: F403
from .requests_service import *  # noqa: F403
from .review import *  # noqa: F403
from .security import *  # noqa: F403
