from types import SimpleNamespace

from messaging.templatetags.messaging_people import others_than


def test_with_line_lists_everyone_but_the_reader_without_stray_commas():
    reader = SimpleNamespace(pk=1)
    participants = [
        SimpleNamespace(user_id=2, user="Grace Kim"),
        SimpleNamespace(user_id=1, user="María García"),
    ]
    assert ", ".join(others_than(participants, reader)) == "Grace Kim"
