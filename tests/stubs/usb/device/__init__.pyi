from . import core as core
from .core import get as get
