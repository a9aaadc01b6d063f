# Types for pyogrio 0.13 (GDAL vector I/O), which ships none and has no stub package.
# Only what OneGrid calls.
from os import PathLike
from typing import Any

from numpy.typing import NDArray

def list_layers(path_or_buffer: str | PathLike[str], /) -> NDArray[Any]: ...
