"""The frameworks' own competencies (CBC core competencies, England's age-related expectations in
reading, writing and mathematics, the seventeen EYFS early learning goals), so every school starts
with them. Their names are shown from the catalogue (progress.frameworks), in the reader's language."""

from django.db import migrations

CBC_CORE = [
    ("CC", "Communication and collaboration"),
    ("CT", "Critical thinking and problem solving"),
    ("CI", "Creativity and imagination"),
    ("CZ", "Citizenship"),
    ("DL", "Digital literacy"),
    ("LL", "Learning to learn"),
    ("SE", "Self-efficacy"),
]
ENGLAND_ARE = [("READ", "Reading"), ("WRIT", "Writing"), ("MATH", "Mathematics")]
EYFS_ELG = [
    ("ELG01", "Listening, attention and understanding"),
    ("ELG02", "Speaking"),
    ("ELG03", "Self-regulation"),
    ("ELG04", "Managing self"),
    ("ELG05", "Building relationships"),
    ("ELG06", "Gross motor skills"),
    ("ELG07", "Fine motor skills"),
    ("ELG08", "Comprehension"),
    ("ELG09", "Word reading"),
    ("ELG10", "Writing (early learning goal)"),
    ("ELG11", "Number"),
    ("ELG12", "Numerical patterns"),
    ("ELG13", "Past and present"),
    ("ELG14", "People, culture and communities"),
    ("ELG15", "The natural world"),
    ("ELG16", "Creating with materials"),
    ("ELG17", "Being imaginative and expressive"),
]


def add(apps, schema_editor):
    Competency = apps.get_model("progress", "Competency")
    rows = (
        [("kenya_cbc", "core", code, name) for code, name in CBC_CORE]
        + [("england", "are", code, name) for code, name in ENGLAND_ARE]
        + [("england", "elg", code, name) for code, name in EYFS_ELG]
    )
    for position, (framework, kind, code, name) in enumerate(rows):
        Competency.objects.update_or_create(
            school=None, framework=framework, code=code, defaults={"kind": kind, "name": name, "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("progress", "0001_initial")]

    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
