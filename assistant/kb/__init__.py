"""The knowledge base: entry schema, loading and validation (every problem named with its file and entry)."""

from .intents import Intents
from .labelled import LabelledQuestion, parse_expected, read_labelled
from .load import DICT_FILE, SPECIAL_FILES, kb_checksum, kb_files, load_kb
from .schema import Entry, KnowledgeBase
from .voice import Voice

__all__ = ["DICT_FILE", "SPECIAL_FILES", "Entry", "Intents", "KnowledgeBase", "LabelledQuestion", "Voice",
           "kb_checksum", "kb_files", "load_kb", "parse_expected", "read_labelled"]
