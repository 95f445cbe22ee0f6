"""The staff directory's store on SQLite and PostgreSQL: round-robin turns
taken by two writers at once are never the same turn, and changes written at
once still form one intact chain; the staff file's import is idempotent."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from redress.domain.staff_directory import Person
from services.cases.staff import StaffDirectoryStore, import_staff_file
from services.cases.store import CaseStore

FILE = {
    "people": {"dana": {"email": "dana@bank.test"}, "ravi": {"digest": "hourly"}},
    "teams": {"disputes": {"members": ["dana", "ravi"], "lead": "lena", "manager": "mark"}},
    "compliance": ["mark"],
}


def test_two_writers_never_take_the_same_round_robin_turn(store: CaseStore) -> None:
    directory = StaffDirectoryStore(store.sessions)
    with ThreadPoolExecutor(max_workers=2) as pool:
        turns = list(pool.map(lambda _: directory.next_turn("care/vulnerable"), range(40)))
    assert sorted(turns) == list(range(40))
    assert directory.next_turn("other/rule") == 0


def test_changes_written_at_once_keep_one_intact_chain(store: CaseStore) -> None:
    directory = StaffDirectoryStore(store.sessions)

    def put(n: int) -> bool:
        return directory.put_person(Person(f"p{n}", capacity=n), "admin")

    with ThreadPoolExecutor(max_workers=2) as pool:
        assert all(pool.map(put, range(12)))
    changes, intact = directory.changes(0, 100)
    assert intact and [c.sequence for c in changes] == list(range(1, 13))


def test_the_staff_file_is_imported_once(store: CaseStore) -> None:
    directory = StaffDirectoryStore(store.sessions)
    assert import_staff_file(directory, FILE) == 5  # dana, ravi, lena, mark, disputes
    assert import_staff_file(directory, FILE) == 0
    snapshot = directory.snapshot()
    assert snapshot.people["mark"].compliance and not snapshot.people["dana"].compliance
    assert snapshot.teams["disputes"].lead == "lena"
    changes, intact = directory.changes(0, 100)
    assert intact and {c.actor for c in changes} == {"staff-file"}
