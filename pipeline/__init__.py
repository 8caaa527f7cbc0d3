"""Offline multilingual document translation and alignment.

Importing the package is cheap: heavy backends (language identification,
translation, sentence encoders) are imported only by the stage that uses them.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pipeline")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
