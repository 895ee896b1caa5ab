"""The open learning library (học liệu số mở): lessons for local schools, their printable
handouts and offline packages."""
