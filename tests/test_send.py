"""Sending the invitations by e-mail (python generate.py send), against a real SMTP server on 127.0.0.1.

The server (aiosmtpd, tests/smtp_server.py) is started here and keeps what it
accepts; the messages are parsed back as a mail program reads them. The
letters are merged once for the module and copied into each test's output
folder, so that most tests only send.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import shutil
import ssl
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from eventdocs import send as sending
from smtp_server import Mailbox, SmtpServer, free_port

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
USER = "cuf-envois"
PASSWORD = "Pâques-2026:s3cr3t!"

HEADERS = ["Civilité", "Prénom", "Nom", "Fonction", "Adresse 1", "Code postal", "Ville", "Pays", "E-mail", "Langue"]
ROWS = [
    ["Madame", "Anne", "Hidalgo", "Maire de Paris", "Place de l'Hôtel de Ville", "75004", "Paris", "",  # 2
     "anne.hidalgo@paris.example", "fr"],
    ["", "Seán", "O'Neill", "", "1 Main Street", "D02 X285", "Dublin", "Irlande", "sean@example.ie", "en"],  # 3
    ["M.", "محمد", "بن علي", "Maire de Rabat", "1 avenue Mohammed V", "10000", "Rabat", "Maroc",  # 4
     "m.benali@rabat.example", "fr"],
    ["M.", "太郎", "山田", "Mayor of Osaka", "1-3-20 Nakanoshima", "530-8201", "Osaka", "Japon",  # 5
     "yamada@osaka.example", "en"],
    ["Mme", "Zoë", "Giscard d'Estaing", "Présidente de la Région", "1 rue de la Paix", "63400", "Chamalières", "",  # 6
     "zoe@région.example", "fr"],
    ["M.", "Valéry", "Leroy", "Maire de Lyon", "1 place de la Comédie", "69001", "Lyon", "", "", "fr"],  # 7: no e-mail
    ["Dr", "Jean", "Martin", "", "1 rue Basse", "33000", "Bordeaux", "", "jean@bordeaux.example", ""],  # 8: rejected
]
#: row -> the address the server sees (a domain in accented letters travels in its ASCII form)
ADDRESSES = {2: "anne.hidalgo@paris.example", 3: "sean@example.ie", 4: "m.benali@rabat.example",
             5: "yamada@osaka.example", 6: "zoe@xn--rgion-bsa.example"}
NAMES = {2: "Anne Hidalgo", 3: "Seán O'Neill", 4: "محمد بن علي", 5: "太郎 山田", 6: "Zoë Giscard d'Estaing"}


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    return path


def configure(root: Path, **values) -> None:
    """Set entries of the smtp: section of the project's association.yaml (None: leave it empty)."""
    path = root / "editions" / "association.yaml"
    text = path.read_text(encoding="utf-8")
    for key, value in values.items():
        line = f"  {key}:" if value is None else f"  {key}: {value}"
        text, count = re.subn(rf"^  {key}:.*$", line, text, flags=re.M)
        assert count == 1, key
    path.write_text(text, encoding="utf-8")


def report(folder: Path) -> dict[int, dict[str, str]]:
    """send-report.csv by row."""
    text = (folder / "send-report.csv").read_bytes().decode("utf-8-sig")
    return {int(line["row"]): line for line in csv.DictReader(io.StringIO(text), delimiter=";")}


def journal_lines(root: Path) -> list[dict]:
    path = root / "editions" / "2026.sent.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


@pytest.fixture(scope="module")
def mailbox():
    box = Mailbox(user=USER, password=PASSWORD)
    with SmtpServer(box) as server:
        box.port = server.port
        yield box


@pytest.fixture(scope="module")
def prepared(tmp_path_factory, mailbox):
    """A project whose smtp: section points at the test server, and its letters merged once."""
    from eventdocs.cli import main

    base = tmp_path_factory.mktemp("send")
    root = base / "project"
    shutil.copytree(FIXTURES / "full", root, ignore=shutil.ignore_patterns("expected"))
    for name in ("templates", "fonts"):
        (root / name).symlink_to(ROOT / name)
    configure(root, host="127.0.0.1", port=mailbox.port, security="none", user=USER, rate_per_minute=0)
    spreadsheet = write_csv(base / "invites.csv", ROWS)
    assert main(["--project", str(root), "merge", "2026", str(spreadsheet), "--output", str(base / "output")]) == 0
    return root, spreadsheet, base / "output"


@pytest.fixture
def site(prepared, mailbox, tmp_path, monkeypatch):
    """A fresh copy of the project and of its merged letters, the server emptied, retries immediate."""
    root, spreadsheet, output = prepared
    shutil.copytree(root, tmp_path / "project", symlinks=True)  # templates/ and fonts/ stay links to the project's
    shutil.copytree(output, tmp_path / "output")
    mailbox.reset()
    monkeypatch.setenv(sending.PASSWORD_VARIABLE, PASSWORD)
    monkeypatch.setattr(sending, "RETRY_DELAYS", (0.01, 0.01, 0.01))
    return tmp_path / "project", spreadsheet, tmp_path / "output"


def send(run, site, *options):
    root, spreadsheet, output = site
    return run("send", "2026", spreadsheet, "--output", output, *options, project=root)


def letter_pdf(output: Path, row: int) -> bytes:
    return next((output / "2026" / "letters").glob(f"{row:04d}-*.pdf")).read_bytes()


def text_of(message, kind: str) -> str:
    """The plain-text or HTML body as a mail program shows it (line ends as Python writes them)."""
    return message.get_body((kind,)).get_content().replace("\r\n", "\n")


def by_row(messages) -> dict[int, object]:
    rows = {address: row for row, address in ADDRESSES.items()}
    return {rows[m.rcpt_tos[0]]: m for m in messages}


# --- dry run ------------------------------------------------------------------------------------------------


def test_a_dry_run_writes_one_eml_per_recipient_with_an_address_and_sends_nothing(run, site, mailbox):
    root, _, output = site
    code, out, err = send(run, site, "--dry-run")
    assert code == 0, err
    folder = output / "2026" / "mail"
    files = sorted(p.name for p in folder.glob("*.eml"))
    assert files == ["0002-hidalgo-anne.eml", "0003-o-neill-sean.eml", "0004-destinataire.eml",
                     "0005-destinataire.eml", "0006-giscard-d-estaing-zoe.eml"]
    assert mailbox.messages == [] and mailbox.logins == []
    assert not (root / "editions" / "2026.sent.jsonl").exists()
    assert "5 message(s) written, to send" in out
    assert "1 without e-mail, to print:\n    row 7 (Valéry Leroy) (0007-leroy-valery.pdf)" in out
    assert "row 8 (Jean Martin): unknown civilité « Dr »" in out
    for row, name in NAMES.items():
        message = message_from_bytes(next(folder.glob(f"{row:04d}-*.eml")).read_bytes(), policy=policy.default)
        assert message["Date"] is None  # set when the message really leaves
        assert message["To"].addresses[0].display_name == name
        attachment = next(message.iter_attachments())
        assert attachment.get_content() == letter_pdf(output, row)
    lines = report(folder)
    assert lines[2]["status"] == "to send" and lines[7]["status"] == "to print" and lines[8]["status"] == "rejected"


def test_two_dry_runs_write_the_same_bytes_even_after_output_is_deleted(run, site):
    _, _, output = site
    assert send(run, site, "--dry-run")[0] == 0
    folder = output / "2026" / "mail"
    first = {p.name: p.read_bytes() for p in folder.glob("*.eml")}
    assert send(run, site, "--dry-run")[0] == 0
    assert {p.name: p.read_bytes() for p in folder.glob("*.eml")} == first
    shutil.rmtree(output)
    assert send(run, site, "--dry-run")[0] == 0
    assert {p.name: p.read_bytes() for p in folder.glob("*.eml")} == first


def test_a_message_reads_as_the_edition_says_in_the_recipients_language(run, site):
    _, _, output = site
    assert send(run, site, "--dry-run")[0] == 0
    folder = output / "2026" / "mail"
    french = message_from_bytes((folder / "0002-hidalgo-anne.eml").read_bytes(), policy=policy.default)
    english = message_from_bytes((folder / "0003-o-neill-sean.eml").read_bytes(), policy=policy.default)
    assert french["Subject"] == ("Invitation aux 17e Rencontres de l’action internationale des collectivités "
                                 "territoriales, les 8\u00a0et 9\u00a0juillet 2026")
    assert english["Subject"].startswith("Invitation to the 17th Paris Meeting of local authorities")
    assert french["From"].addresses[0].display_name == "Cités Unies France"
    assert french["From"].addresses[0].addr_spec == "coop-dec@cites-unies-france.org"
    assert french["Reply-To"].addresses[0].addr_spec == "coop-dec@cites-unies-france.org"
    assert french["List-Unsubscribe"].strip() == "<mailto:desinscription@cites-unies-france.org?subject=unsubscribe>"
    assert french["Content-Language"] == "fr" and english["Content-Language"] == "en"
    assert re.fullmatch(r"<2026\.[0-9a-f]{32}@cites-unies-france\.org>", french["Message-ID"])
    plain = text_of(french, "plain")
    assert plain.startswith("Madame la Maire,\n\nJ’ai le plaisir de vous inviter à la 17e édition")
    assert "Pour ne plus recevoir nos invitations, écrivez à desinscription@cites-unies-france.org." in plain
    assert text_of(english, "plain").startswith("Dear Sir or Madam,\n\nI am pleased to invite you")
    html = text_of(french, "html")
    assert "<p style=\"margin:0 0 1em\">Madame la Maire,</p>" in html
    assert '<a href="mailto:desinscription@cites-unies-france.org?subject=unsubscribe">' in html
    # nothing fetched from the network when the message is opened
    assert not re.search(r"<img|<link|<script|<iframe|src=|url\(|@import", html, flags=re.I)
    assert [part.get_content_type() for part in french.walk()] == [
        "multipart/mixed", "multipart/alternative", "text/plain", "text/html", "application/pdf"]
    attachment = next(french.iter_attachments())
    assert attachment.get_filename() == "Invitation Rencontres de l’AICT 2026.pdf"


def test_a_message_is_the_bytes_the_email_package_writes(prepared):
    """Messages are written from parts written once (mail.Composed): the same bytes as the package's own."""
    import copy
    from email.message import EmailMessage

    from eventdocs.build import load_edition
    from eventdocs.mail import Composer, MergedLetter
    from eventdocs.recipients import Recipient
    from eventdocs.render import Project

    root, _, output = prepared
    loaded = load_edition(Project(root), 2026)
    composer = Composer(loaded.edition, loaded.sources)
    pdf = letter_pdf(output, 4)
    recipient = Recipient(4, "monsieur", "محمد", "بن علي", "fr", "Monsieur le Maire", ("x",), "m.benali@rabat.example")
    composed = composer.compose(MergedLetter(recipient, "Monsieur le Maire", Path("x.pdf")), pdf, "<1@example.org>")
    reference = copy.deepcopy(composed.message)
    del reference["Content-Type"], reference["Content-Language"]
    reference.make_mixed(boundary=composed.message.get_boundary())
    reference.attach(composed.wording.alternative)
    attachment = EmailMessage(policy=reference.policy)
    attachment.set_content(pdf, maintype="application", subtype="pdf", disposition="attachment",
                           filename=composed.wording.attachment.get_filename())
    del attachment["MIME-Version"]
    reference.attach(attachment)
    reference["Content-Language"] = "fr"
    assert composed.as_bytes() == reference.as_bytes()


def test_a_dry_run_forgets_the_messages_of_rows_no_longer_in_the_spreadsheet(run, site, tmp_path):
    root, _, output = site
    assert send(run, site, "--dry-run")[0] == 0
    smaller = write_csv(tmp_path / "some.csv", ROWS[:2])
    code, out, _ = run("send", "2026", smaller, "--output", output, "--dry-run", project=root)
    assert code == 0
    assert sorted(p.name for p in (output / "2026" / "mail").glob("*.eml")) == [
        "0002-hidalgo-anne.eml", "0003-o-neill-sean.eml"]
    # the letters of the other rows stay: send never deletes a letter
    assert (output / "2026" / "letters" / "0006-giscard-d-estaing-zoe.pdf").exists()
    assert (output / "2026" / "letters" / "0007-leroy-valery.pdf").exists()


# --- sending ------------------------------------------------------------------------------------------------


def test_the_messages_arrive_and_parse_back_with_the_merged_letter(run, site, mailbox):
    root, _, output = site
    code, out, err = send(run, site)
    assert code == 0, err
    assert "5 message(s) sent" in out
    assert sorted(mailbox.recipients()) == sorted(ADDRESSES.values())
    assert mailbox.logins == [(USER, "PLAIN")]
    lines = report(output / "2026" / "mail")
    for row, received in by_row(mailbox.messages).items():
        message = received.message
        assert received.mail_from == "coop-dec@cites-unies-france.org"
        assert message["To"].addresses[0].display_name == NAMES[row]
        assert message["To"].addresses[0].addr_spec == ADDRESSES[row]
        assert message["Date"] is not None
        assert message["Message-ID"] == lines[row]["message id"]
        assert lines[row]["status"] == "sent" and lines[row]["answer or reason"].startswith("250 2.0.0 Ok: queued")
        assert next(message.iter_attachments()).get_content() == letter_pdf(output, row)
    # the messages carry the same letters as the merge made, byte for byte, whatever was there before
    assert lines[7]["status"] == "to print" and lines[7]["file"] == "0007-leroy-valery.pdf"


def test_the_journal_records_each_message_without_a_name_or_an_address(run, site, mailbox):
    root, _, output = site
    assert send(run, site)[0] == 0
    entries = journal_lines(root)
    assert len(entries) == 5
    ids = {m.message["Message-ID"] for m in mailbox.messages}
    assert {e["message_id"] for e in entries} == ids
    for entry in entries:
        assert set(entry) == {"to", "person", "letter", "status", "message_id", "time", "answer"}
        assert entry["status"] == "sent" and entry["answer"].startswith("250")
    text = (root / "editions" / "2026.sent.jsonl").read_text(encoding="utf-8")
    for row, address in ADDRESSES.items():
        assert address.split("@")[0] not in text and NAMES[row].split()[-1] not in text
    assert "row" not in text
    digests = {e["letter"] for e in entries}
    import hashlib
    assert digests == {hashlib.sha256(letter_pdf(output, row)).hexdigest() for row in ADDRESSES}


def test_a_rerun_sends_nothing_twice_even_when_output_is_deleted(run, site, mailbox):
    root, _, output = site
    assert send(run, site)[0] == 0
    code, out, _ = send(run, site)
    assert code == 0 and len(mailbox.messages) == 5
    assert "5 already sent, not sent again" in out
    assert len(mailbox.logins) == 1  # nothing to send: the server is not even called
    shutil.rmtree(output)
    code, out, _ = send(run, site)
    assert code == 0 and len(mailbox.messages) == 5, "deleting output/ sent the messages again"
    assert "5 already sent, not sent again" in out
    assert len(journal_lines(root)) == 5
    code, out, _ = send(run, site, "--resend")
    assert code == 0 and len(mailbox.messages) == 10
    assert "5 message(s) sent" in out
    assert len(journal_lines(root)) == 10


def test_a_journal_edited_by_hand_is_refused_with_its_line(run, site, mailbox):
    root, _, _ = site
    assert send(run, site)[0] == 0
    journal = root / "editions" / "2026.sent.jsonl"
    lines = journal.read_text(encoding="utf-8").splitlines(keepends=True)
    journal.write_text("".join(lines[:2] + ["<<<<<<< HEAD\n"] + lines[2:]), encoding="utf-8")
    code, out, err = send(run, site)
    assert code == 1
    assert "editions/2026.sent.jsonl:3: not a line this program wrote; do not edit the journal by hand" in err
    assert len(mailbox.messages) == 5


def test_a_new_row_is_the_only_one_sent(run, site, mailbox, tmp_path):
    root, _, output = site
    first = write_csv(tmp_path / "first.csv", ROWS[:2])
    assert run("send", "2026", first, "--output", output, project=root)[0] == 0
    assert len(mailbox.messages) == 2
    # the officer adds a row above the others: row numbers move, no one gets a second message
    added = ["Mme", "Carole", "Delga", "Présidente de la Région", "22 boulevard Juin", "31406", "Toulouse", "",
             "carole.delga@occitanie.example", "fr"]
    second = write_csv(tmp_path / "second.csv", [added] + ROWS[:2])
    code, out, err = run("send", "2026", second, "--output", output, project=root)
    assert code == 0, err
    assert mailbox.recipients() == ["anne.hidalgo@paris.example", "sean@example.ie", "carole.delga@occitanie.example"]
    assert "1 message(s) sent" in out
    # their letters are new files (their row is in them), so the journal tells the officer, who may --resend
    assert "2 already sent an earlier version of their letter" in out


def test_proofs_go_to_one_address_and_are_never_journaled(run, site, mailbox):
    root, _, output = site
    code, out, err = send(run, site, "--to", "relecture@cites-unies-france.org")
    assert code == 0, err
    assert mailbox.recipients() == ["relecture@cites-unies-france.org"] * 5
    assert "5 proof(s) sent" in out
    assert {m.message["To"].addresses[0].display_name for m in mailbox.messages} == set(NAMES.values())
    assert not (root / "editions" / "2026.sent.jsonl").exists()
    code, out, _ = send(run, site)
    assert code == 0 and "5 message(s) sent" in out
    assert sorted(mailbox.recipients()[5:]) == sorted(ADDRESSES.values())


def test_a_temporary_refusal_is_tried_again(run, site, mailbox):
    mailbox.rcpt_answers["sean@example.ie"] = ["451 4.7.1 Greylisted, try again later", "450 4.2.0 Busy"]
    code, out, err = send(run, site)
    assert code == 0, err
    assert sorted(mailbox.recipients()) == sorted(ADDRESSES.values())  # each once
    assert "5 message(s) sent" in out and "deferred" not in out


def test_a_refusal_that_lasts_is_deferred_to_the_next_run(run, site, mailbox):
    root, _, output = site
    mailbox.rcpt_answers["sean@example.ie"] = ["451 4.7.1 Greylisted"] * 4
    code, out, _ = send(run, site)
    assert code == 0
    assert "1 deferred (the server asked to wait; run the command again later):" in out
    assert "row 3 (Seán O'Neill <sean@example.ie>): 451 4.7.1 Greylisted" in out
    assert len(mailbox.messages) == 4
    code, out, _ = send(run, site)
    assert mailbox.recipients()[4:] == ["sean@example.ie"]


def test_a_permanent_refusal_is_reported_for_its_row_and_the_run_goes_on(run, site, mailbox):
    root, _, output = site
    mailbox.refused["sean@example.ie"] = "550 5.1.1 <sean@example.ie>: Recipient address rejected"
    code, out, err = send(run, site)
    assert code == 0, err
    assert "1 refused by the server (check these addresses):" in out
    assert "row 3 (Seán O'Neill <sean@example.ie>): 550 5.1.1 <sean@example.ie>: Recipient address rejected" in out
    assert sorted(mailbox.recipients()) == sorted(a for r, a in ADDRESSES.items() if r != 3)
    assert report(output / "2026" / "mail")[3]["status"] == "refused"
    assert len(journal_lines(root)) == 4
    # the next run tries that address only
    del mailbox.refused["sean@example.ie"]
    assert send(run, site)[0] == 0
    assert mailbox.recipients()[4:] == ["sean@example.ie"]


def test_a_connection_lost_before_the_data_is_made_again_and_the_message_sent_once(run, site, mailbox):
    mailbox.drop_at_mail = 2
    code, out, err = send(run, site)
    assert code == 0, err
    assert sorted(mailbox.recipients()) == sorted(ADDRESSES.values())


def test_a_connection_lost_after_the_data_is_uncertain_and_resent_only_when_asked(run, site, mailbox):
    root, _, output = site
    mailbox.drop_after_data.add("m.benali@rabat.example")
    code, out, err = send(run, site)
    assert code == 0, err
    assert "1 uncertain" in out and "row 4 (محمد بن علي <m.benali@rabat.example>)" in out
    assert sorted(mailbox.recipients()) == sorted(ADDRESSES.values())  # the others went on, on a new connection
    assert sorted(e["status"] for e in journal_lines(root)) == ["sent", "sent", "sent", "sent", "uncertain"]
    code, out, _ = send(run, site)
    assert len(mailbox.messages) == 5 and "1 uncertain" in out
    code, out, _ = send(run, site, "--resend-uncertain")
    assert mailbox.recipients()[5:] == ["m.benali@rabat.example"]
    assert "1 message(s) sent" in out and "4 already sent" in out


def test_a_server_gone_mid_run_stops_it_and_a_rerun_sends_only_the_rest(run, site, mailbox):
    root, _, output = site
    mailbox.down_after = 2
    code, out, err = send(run, site)
    assert code == 1
    assert "Traceback" not in err
    assert "the connection to 127.0.0.1" in err and "was lost and could not be made again" in err
    assert "the run stopped after 2 message(s) sent" in err and "Run the same command again later" in err
    assert len(mailbox.messages) == 2 and len(journal_lines(root)) == 2
    statuses = [line["status"] for _, line in sorted(report(output / "2026" / "mail").items())]
    assert statuses.count("sent") == 2 and statuses.count("not sent") == 3
    mailbox.down_after = None
    code, out, err = send(run, site)
    assert code == 0, err
    assert "3 message(s) sent" in out and "2 already sent" in out
    assert sorted(mailbox.recipients()) == sorted(ADDRESSES.values())


def test_the_rate_limit_spaces_the_messages(run, site, mailbox, monkeypatch):
    root, _, _ = site
    configure(root, rate_per_minute=120)  # one message every half second
    clock, waits = [1000.0], []

    def wait(seconds):  # the sender's clock, moved by its waits only: a run with waits recorded, not waited
        waits.append(seconds)
        clock[0] += seconds

    monkeypatch.setattr(sending, "sleep", wait)
    monkeypatch.setattr(sending, "monotonic", lambda: clock[0])
    code, out, err = send(run, site)
    assert code == 0, err
    assert [w for w in waits if w] == [0.5, 0.5, 0.5, 0.5]  # before each message but the first


def test_an_address_with_accents_before_the_at_is_refused_for_its_row(run, site, mailbox, tmp_path):
    root, _, output = site
    rows = [ROWS[0], ROWS[1][:8] + ["seán@example.ie", "en"]]
    code, out, _ = run("send", "2026", write_csv(tmp_path / "x.csv", rows), "--output", output, project=root)
    assert code == 0
    assert "row 3 (Seán O'Neill <seán@example.ie>): « seán@example.ie » has accents" in out
    assert mailbox.recipients() == ["anne.hidalgo@paris.example"]


# --- the password, TLS, bad settings ------------------------------------------------------------------------


def everything_written(*folders: Path) -> bytes:
    return b"\n".join(p.read_bytes() for folder in folders for p in folder.rglob("*") if p.is_file())


def secret_forms(password: str) -> list[bytes]:
    raw = password.encode()
    return [raw, base64.b64encode(raw), base64.b64encode(f"\0{USER}\0{password}".encode()),
            password.encode("unicode_escape")]


def test_the_password_is_never_written_or_printed(run, site, mailbox, monkeypatch):
    root, _, output = site
    code, out, err = send(run, site)
    assert code == 0 and len(mailbox.messages) == 5
    monkeypatch.setenv(sending.PASSWORD_VARIABLE, "Wrong-" + PASSWORD)
    (root / "editions" / "2026.sent.jsonl").unlink()
    code, out2, err2 = send(run, site)
    assert code == 1
    assert f"127.0.0.1 refused the login of « {USER} » (535 5.7.8 Authentication credentials invalid)" in err2
    assert "EVENTDOCS_SMTP_PASSWORD" in err2 and "Traceback" not in err2
    written = everything_written(root / "editions", output) + (out + err + out2 + err2).encode()
    for password in (PASSWORD, "Wrong-" + PASSWORD):
        for form in secret_forms(password):
            assert form not in written


def test_without_a_password_and_without_a_terminal_the_error_names_the_variable(run, site, monkeypatch, mailbox):
    monkeypatch.delenv(sending.PASSWORD_VARIABLE)
    code, out, err = send(run, site)
    assert code == 1
    assert "association.yaml" in err and "smtp.user" in err
    assert "set the environment variable EVENTDOCS_SMTP_PASSWORD, or run the command in a terminal" in err
    assert mailbox.messages == []


def test_a_typed_password_is_used_and_not_kept(site, mailbox, monkeypatch):
    from eventdocs.render import Project

    root, spreadsheet, output = site
    monkeypatch.delenv(sending.PASSWORD_VARIABLE)
    prompts = []

    def ask(prompt):
        prompts.append(prompt)
        return PASSWORD

    result = sending.send(Project(root), 2026, spreadsheet, output, ask_password=ask)
    assert prompts == [f"Password of {USER} on 127.0.0.1 (it is not stored): "]
    assert len(result.having(sending.SENT)) == 5 and len(mailbox.messages) == 5
    assert PASSWORD.encode() not in everything_written(root / "editions", output)


@pytest.fixture
def certificates(tmp_path):
    """A certificate authority made for the test, and a certificate it signed for 127.0.0.1."""
    import trustme

    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(server_context)
    authority.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    return server_context, tmp_path / "ca.pem"


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_an_encrypted_connection_with_a_certificate_the_computer_trusts(run, site, certificates, monkeypatch,
                                                                        security):
    root, _, output = site
    server_context, authority = certificates
    box = Mailbox(user=USER, password=PASSWORD)
    tls = {"tls_context": server_context, "require_starttls": True} if security == "starttls" else \
        {"ssl_context": server_context}
    with SmtpServer(box, **tls) as server:
        configure(root, port=server.port, security=security)
        # a certificate nobody vouches for: refused, with what to check
        code, out, err = send(run, site)
        assert code == 1
        assert "the certificate of 127.0.0.1 is not trusted (self-signed certificate in certificate chain)" in err \
            or "the certificate of 127.0.0.1 is not trusted (unable to get local issuer certificate)" in err
        assert box.messages == []
        # the same once the computer trusts the authority that signed it
        monkeypatch.setenv("SSL_CERT_FILE", str(authority))
        code, out, err = send(run, site)
        assert code == 0, err
        assert sorted(box.recipients()) == sorted(ADDRESSES.values())
        assert box.logins == [(USER, "PLAIN")]


def test_a_plain_connection_refuses_to_carry_a_password_over_the_network(run, site):
    root, _, _ = site
    configure(root, host="smtp.example.org")
    code, out, err = send(run, site)
    assert code == 1
    assert "smtp.security: none would send the password unencrypted over the network" in err


def test_a_server_that_does_not_answer_is_named_and_nothing_is_written(run, site):
    root, _, output = site
    port = free_port()
    configure(root, port=port)
    code, out, err = send(run, site)
    assert code == 1
    assert f"nothing answers at 127.0.0.1:{port} (check smtp.host and smtp.port); nothing was sent" in err
    assert not (root / "editions" / "2026.sent.jsonl").exists()


def test_missing_mail_settings_are_named_with_their_file(run, site):
    root, _, _ = site
    association = root / "editions" / "association.yaml"
    text = association.read_text(encoding="utf-8")
    association.write_text(text[:text.index("\n# Envoi des invitations")] + "\n", encoding="utf-8")
    edition = root / "editions" / "2026.yaml"
    text = edition.read_text(encoding="utf-8")
    mail = text.index("\nmail:\n")
    rest = text[mail + 1:].split("\n")
    # the next top-level key, if any
    following = next((i for i, line in enumerate(rest[1:], 1) if line and not line.startswith((" ", "#"))), None)
    edition.write_text(text[:mail + 1] + ("\n".join(rest[following:]) if following else ""), encoding="utf-8")
    code, out, err = send(run, site, "--dry-run")
    assert code == 1
    assert "editions/association.yaml: no 'smtp:' section" in err
    assert "editions/2026.yaml: no 'mail:' section" in err


def test_a_text_missing_in_a_recipients_language_is_named_before_anything_is_sent(run, site, mailbox):
    root, _, _ = site
    edition = root / "editions" / "2026.yaml"
    text = edition.read_text(encoding="utf-8")
    edition.write_text(text.replace('    en: "Invitation to the {ordinal} {name}, {on_dates}"\n', ""),
                       encoding="utf-8")
    code, out, err = send(run, site)
    assert code == 1
    assert re.search(r"editions/2026\.yaml:\d+: mail\.subject: no English text, and a recipient reads English; "
                     r"add its 'en:' entry", err)
    assert mailbox.messages == []


def test_a_wrong_value_in_the_smtp_section_names_its_line(run, site):
    root, _, _ = site
    configure(root, security="tls", rate_per_minute=-1)
    code, out, err = send(run, site, "--dry-run")
    assert code == 1
    assert re.search(r"editions/association\.yaml:\d+: smtp\.security: Input should be 'starttls', 'ssl' or 'none'",
                     err)
    assert re.search(r"editions/association\.yaml:\d+: smtp\.rate_per_minute: is too small", err)


@pytest.mark.parametrize("options, message", [
    (["--to", "relecture@"], "--to « relecture@ » is not an e-mail address"),
    (["--to", "a@b.org", "--dry-run"], "--dry-run sends nothing and --to sends proofs"),
    (["--to", "a@b.org", "--resend"], "leave out --resend"),
])
def test_options_that_do_not_go_together(run, site, options, message):
    code, out, err = send(run, site, *options)
    assert code == 1 and message in err
