"""The help desk's use cases: HelpDesk.ask (engine + conversation log + tickets), the ticket lifecycle, and the
stores they keep on one database."""

from .helpdesk import HelpDesk
from .store import DeskStore, StoreStats

__all__ = ["DeskStore", "HelpDesk", "StoreStats"]
