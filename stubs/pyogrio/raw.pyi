from os import PathLike
from typing import Any

from numpy.typing import NDArray

def read(
    path_or_buffer: str | PathLike[str], /, layer: int | str | None = None,
    encoding: str | None = None, **kwargs: Any,
) -> tuple[dict[str, Any], NDArray[Any] | None, NDArray[Any], list[NDArray[Any]]]: ...
def write(
    path: str | PathLike[str], geometry: NDArray[Any], field_data: list[NDArray[Any]],
    fields: list[str], **kwargs: Any,
) -> None: ...
