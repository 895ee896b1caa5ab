"""What a lesson holds. Its sections and questions (``content``) follow lessons.content."""

from __future__ import annotations

from ..records.kinds import Field, Kind, bilingual, text
from .content import check_content

SUBJECTS = ("history", "local_education", "geography", "literature", "arts", "civics")
SUBJECT_LABELS = {
    "history": ("Lịch sử", "History"),
    "local_education": ("Giáo dục địa phương", "Local education"),
    "geography": ("Địa lý", "Geography"),
    "literature": ("Ngữ văn", "Literature"),
    "arts": ("Nghệ thuật", "Arts"),
    "civics": ("Giáo dục công dân", "Civics"),
}
LESSON_LICENCES = ("CC-BY-4.0", "CC-BY-SA-4.0")

LESSON = Kind(
    name="lesson",
    path="lessons",
    table="lessons",
    public_view="public_lessons",
    label_vi="Bài học",
    label_en="Lesson",
    title="title_vi",
    title_en="title_en",
    page_path="/lessons/{id}",
    contributor_role="editor",  # lessons are written by the office's staff for teachers
    fields=(
        text("title_vi", "Tên bài học", "Title (Vietnamese)", required=True, max_length=500),
        text("title_en", "Tên tiếng Anh", "Title (English)", max_length=500),
        text("subject", "Môn học", "Subject", required=True, choices=SUBJECTS, filter=True),
        Field("grade_from", "int", "Từ lớp", "From grade", required=True, minimum=1, maximum=12),
        Field("grade_to", "int", "Đến lớp", "To grade", required=True, minimum=1, maximum=12),
        Field("duration_minutes", "int", "Thời lượng (phút)", "Duration (minutes)", minimum=5, maximum=600),
        *bilingual("objectives", "Mục tiêu", "Objectives", max_length=5000),
        *bilingual("summary", "Tóm tắt", "Summary", max_length=5000),
        text("licence", "Giấy phép", "Licence", choices=LESSON_LICENCES),
        text("author", "Người biên soạn", "Author", max_length=300),
        Field("is_sample", "bool", "Bài học mẫu", "Sample lesson", filter=True),
        Field(
            "content",
            "json",
            "Nội dung (các phần, câu hỏi)",
            "Content (sections, questions)",
            public=False,  # the public reads it resolved: only published references (lessons.service)
            check=check_content,
        ),
    ),
)
