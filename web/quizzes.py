"""Trainers' quizzes on the web: ``/quizzes`` (list, new quiz), ``/quizzes/<id>`` (review),
exports (GIFT, CSV) and the printable page. Trainers and admins only (``ACCESS["quizzes"]``).

Thin views over the core: :class:`assistant.quiz.QuizGenerator` drafts, the pure operations
of :mod:`assistant.quiz.edit` change, :mod:`assistant.quiz.store` keeps. Every change is a
plain form post (works without JavaScript) that names the quiz ``version`` the page showed;
a post from a page that is out of date (another tab saved since) is refused with 409 and the
current quiz, never applied over the newer one. A rule broken by an edit (:class:`QuizError`)
comes back as a message on the quiz page (400) and nothing is saved.

Who sees what: a trainer sees only the quizzes they created; an admin sees, changes and
exports every quiz. Another trainer's quiz answers 404, like one that does not exist, so
quiz ids reveal nothing.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from assistant.quiz import Option, Quiz, QuizError, QuizGenerator, store
from assistant.quiz.edit import (
    add_item,
    approve_all,
    approve_item,
    delete_item,
    edit_item,
    move_item,
    rename,
)
from assistant.quiz.export_csv import export_csv
from assistant.quiz.export_gift import KIND_LABELS, export_gift
from assistant.quiz.export_html import export_html
from assistant.quiz.measure import major_sections
from assistant.quiz.model import ITEM_KINDS
from assistant.quiz.validate import MAX_OPTIONS
from assistant.users import ADMIN
from web import EXTENSION
from web.answering import assistant_or_503, loaded_index_or_none
from web.auth import ACCESS, db, require_roles
from web.errors import WebError

blueprint = Blueprint("quizzes", __name__)
QUIZ_ROLES = ACCESS["quizzes"]
MAX_TOPIC_CHARS = 150
MAX_SEED = 2**31 - 1
NOT_FOUND = "There is no quiz with that id among yours. The quizzes page lists them."
CONFLICT = ("This quiz was changed in another tab or window since this page was loaded, so "
            "your change was not saved. Here is the quiz as it is now: make the change again.")
NONE = "'none'"
_WHOLE_NUMBER = re.compile(r"[0-9]{1,10}")
_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def _sees_all() -> bool:
    return current_user.role == ADMIN


def _generator() -> QuizGenerator:
    """A generator over the app's loaded index, rebuilt when the index is reloaded."""
    assistant = assistant_or_503()
    state = current_app.extensions[EXTENSION]
    cached = state.get("quiz_generator")
    if cached is None or cached[0] is not assistant:
        cached = (assistant, QuizGenerator.for_index(assistant.index, assistant.vectors))
        state["quiz_generator"] = cached
    return cached[1]


def _load(quiz_id: int) -> store.QuizRecord:
    with db() as session:
        try:
            return store.load(session, quiz_id, current_user.id, _sees_all())
        except store.QuizNotFoundError:
            raise WebError(404, NOT_FOUND) from None


# --- list and new quiz ---------------------------------------------------------------------

@blueprint.get("/quizzes")
@require_roles(*QUIZ_ROLES)
def quiz_list() -> Any:
    return _list_page()


@blueprint.post("/quizzes")
@require_roles(*QUIZ_ROLES)
def create_quiz() -> Any:
    form = {key: request.form.get(key, "").strip() for key in ("topic", "section", "seed",
                                                               "title")}
    try:
        if len(form["topic"]) > MAX_TOPIC_CHARS:
            raise QuizError(f"the topic is longer than {MAX_TOPIC_CHARS} characters",
                            field="topic")
        seed = _seed(form["seed"])
        quiz = _generator().build(topics=[form["topic"]] if form["topic"] else [],
                                  sections=[form["section"]] if form["section"] else [],
                                  seed=seed, title=form["title"])
        if not quiz.items:
            raise QuizError("the guidance gave no items for that: try another topic or "
                            "section", field="topic")
        with db() as session:
            record = store.create(session, current_user.id, quiz)
    except QuizError as exc:
        return _list_page(error=exc, form=form), 400
    flash(f"Drafted {len(record.quiz.items)} items: review, edit and approve them below.")
    return redirect(url_for("quizzes.quiz_page", quiz_id=record.id))


def _seed(text: str) -> int:
    if not text:
        return 1
    if not _WHOLE_NUMBER.fullmatch(text) or int(text) > MAX_SEED:
        raise QuizError(f"the seed is a whole number from 0 to {MAX_SEED}", field="seed")
    return int(text)


def _list_page(error: QuizError | None = None, form: dict[str, str] | None = None) -> str:
    index = loaded_index_or_none()
    with db() as session:
        quizzes = store.list_quizzes(session, current_user.id, _sees_all())
    return render_template("quizzes.html", quizzes=quizzes, error=error,
                           form=form or {"seed": "1"}, sees_all=_sees_all(),
                           sections=major_sections(index) if index else [],
                           notes=get_flashed_messages())


# --- one quiz ------------------------------------------------------------------------------

@blueprint.get("/quizzes/<int:quiz_id>")
@require_roles(*QUIZ_ROLES)
def quiz_page(quiz_id: int) -> Any:
    return _quiz_page(_load(quiz_id))


def _quiz_page(record: store.QuizRecord, error: str = "", failed_form: str = "") -> str:
    """The review page; after a refused change, ``failed_form`` (``edit:<item id>``,
    ``add`` or ``rename``) is shown open with what was typed, so nothing is lost."""
    return render_template("quiz.html", record=record, quiz=record.quiz, error=error,
                           failed_form=failed_form,
                           typed=request.form if failed_form else {}, labels=KIND_LABELS,
                           kinds=ITEM_KINDS, max_options=MAX_OPTIONS,
                           notes=get_flashed_messages())


def _version() -> int:
    """The quiz version the posting page showed (every change form carries it)."""
    version = request.form.get("version", "")
    if not _WHOLE_NUMBER.fullmatch(version):
        raise WebError(400, "the form has no quiz version: reload the quiz page")
    return int(version)


def _change(quiz_id: int, operation: Callable[[Quiz], Quiz], anchor: str = "",
            done: str = "", form_name: str = "") -> Any:
    """Apply ``operation`` to the quiz the page showed and save it, or say why not."""
    record = _load(quiz_id)
    version = _version()
    try:
        changed = operation(record.quiz)
        with db() as session:
            store.save(session, quiz_id, current_user.id, changed, version, _sees_all())
    except QuizError as exc:
        return _quiz_page(record, error=exc.message, failed_form=form_name), 400
    except store.QuizConflictError:
        return _quiz_page(_load(quiz_id), error=CONFLICT, failed_form=form_name), 409
    except store.QuizNotFoundError:  # deleted in another tab
        raise WebError(404, NOT_FOUND) from None
    if done:
        flash(done)
    target = url_for("quizzes.quiz_page", quiz_id=quiz_id)
    return redirect(f"{target}#{anchor}" if anchor else target)


@blueprint.post("/quizzes/<int:quiz_id>/rename")
@require_roles(*QUIZ_ROLES)
def rename_quiz(quiz_id: int) -> Any:
    title = request.form.get("title", "").strip()
    return _change(quiz_id, lambda quiz: rename(quiz, title), done="Title saved.",
                   form_name="rename")


@blueprint.post("/quizzes/<int:quiz_id>/approve-all")
@require_roles(*QUIZ_ROLES)
def approve_every_item(quiz_id: int) -> Any:
    return _change(quiz_id, approve_all, done="Every item is approved.")


@blueprint.post("/quizzes/<int:quiz_id>/delete")
@require_roles(*QUIZ_ROLES)
def delete_quiz(quiz_id: int) -> Any:
    record = _load(quiz_id)
    version = _version()
    if request.form.get("confirm") != "yes":
        return _quiz_page(record, error="Tick the box to confirm that the quiz should be "
                                        "deleted.", failed_form="delete"), 400
    try:
        with db() as session:
            store.delete(session, quiz_id, current_user.id, version, _sees_all())
    except store.QuizConflictError:
        return _quiz_page(_load(quiz_id), error=CONFLICT, failed_form="delete"), 409
    except store.QuizNotFoundError:
        raise WebError(404, NOT_FOUND) from None
    flash(f"The quiz “{record.quiz.title}” was deleted.")
    return redirect(url_for("quizzes.quiz_list"))


@blueprint.post("/quizzes/<int:quiz_id>/items")
@require_roles(*QUIZ_ROLES)
def add_own_item(quiz_id: int) -> Any:
    kind = request.form.get("kind", "")
    options = _options_from_form(()) if kind == "multiple_choice" else []
    fields = {name: request.form.get(name, "").strip()
              for name in ("stem", "question", "answer", "feedback")}
    if kind == "true_false":
        fields["answer"] = request.form.get("tf_answer", "")

    def add(quiz: Quiz) -> Quiz:
        return add_item(quiz, kind, fields["stem"], question=fields["question"],
                        answer="" if kind == "multiple_choice" else fields["answer"],
                        feedback=fields["feedback"], options=options)

    return _change(quiz_id, add, anchor="items-end", done="Your item was added at the end.",
                   form_name="add")


# --- one item ------------------------------------------------------------------------------

@blueprint.post("/quizzes/<int:quiz_id>/items/<item_id>/edit")
@require_roles(*QUIZ_ROLES)
def edit_quiz_item(quiz_id: int, item_id: str) -> Any:
    def edit(quiz: Quiz) -> Quiz:
        item = quiz.item(item_id)
        changes: dict[str, Any] = {"stem": request.form.get("stem", "").strip()}
        if "question" in request.form:
            changes["question"] = request.form.get("question", "").strip()
        if item.kind in ("scenario", "numerical"):
            changes["answer"] = request.form.get("answer", "").strip()
        if item.kind == "true_false":
            changes["answer"] = request.form.get("tf_answer", "")
        if item.kind != "scenario":
            changes["feedback"] = request.form.get("feedback", "").strip()
        if item.kind == "multiple_choice":
            changes["options"] = _options_from_form(item.options)
        return edit_item(quiz, item_id, **changes)

    return _change(quiz_id, edit, anchor=f"item-{item_id}",
                   done="Item saved. It needs approving again.", form_name=f"edit:{item_id}")


@blueprint.post("/quizzes/<int:quiz_id>/items/<item_id>/delete")
@require_roles(*QUIZ_ROLES)
def delete_quiz_item(quiz_id: int, item_id: str) -> Any:
    return _change(quiz_id, lambda quiz: delete_item(quiz, item_id), done="Item deleted.")


@blueprint.post("/quizzes/<int:quiz_id>/items/<item_id>/move")
@require_roles(*QUIZ_ROLES)
def move_quiz_item(quiz_id: int, item_id: str) -> Any:
    step = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if step is None:
        raise WebError(400, "direction must be 'up' or 'down'")

    def move(quiz: Quiz) -> Quiz:
        position = [i.id for i in quiz.items].index(quiz.item(item_id).id) + step
        return move_item(quiz, item_id, position)

    return _change(quiz_id, move, anchor=f"item-{item_id}")


@blueprint.post("/quizzes/<int:quiz_id>/items/<item_id>/approve")
@require_roles(*QUIZ_ROLES)
def approve_quiz_item(quiz_id: int, item_id: str) -> Any:
    approved = request.form.get("approved", "1") != "0"
    return _change(quiz_id, lambda quiz: approve_item(quiz, item_id, approved),
                   anchor=f"item-{item_id}")


def _options_from_form(previous: tuple[Option, ...]) -> list[Option]:
    """Options ``option_1``..``option_6`` (blank ones left out), ``correct`` = the number of
    the right one. An option whose text is unchanged keeps its feedback."""
    feedback = {o.text: o.feedback for o in previous}
    correct = request.form.get("correct", "")
    options = []
    for n in range(1, MAX_OPTIONS + 1):
        text = request.form.get(f"option_{n}", "").strip()
        if text:
            options.append(Option(text, correct == str(n), feedback.get(text, "")))
    return options


# --- exports -------------------------------------------------------------------------------

@blueprint.get("/quizzes/<int:quiz_id>/export.gift")
@require_roles(*QUIZ_ROLES)
def export_gift_file(quiz_id: int) -> Any:
    return _export(quiz_id, export_gift, "gift", "text/plain")


@blueprint.get("/quizzes/<int:quiz_id>/export.csv")
@require_roles(*QUIZ_ROLES)
def export_csv_file(quiz_id: int) -> Any:
    return _export(quiz_id, export_csv, "csv", "text/csv")


@blueprint.get("/quizzes/<int:quiz_id>/print")
@require_roles(*QUIZ_ROLES)
def print_view(quiz_id: int) -> Any:
    """The core's printable page as it is. Its one ``<style>`` element is allowed by its
    hash: the page keeps a Content-Security-Policy as strict as the app's (no script)."""
    with_answers = request.args.get("answers", "0") == "1"
    record = _load(quiz_id)
    try:
        html = export_html(record.quiz, with_answers=with_answers)
    except QuizError as exc:
        return _quiz_page(record, error=exc.message), 400
    styles = " ".join(f"'sha256-{_sha256(style)}'" for style in _STYLE.findall(html))
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; style-src {styles or NONE}; img-src 'self' data:; "
        "base-uri 'none'; frame-ancestors 'none'; form-action 'none'")
    return response


def _sha256(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def _export(quiz_id: int, exporter: Callable[[Quiz], str], suffix: str, mimetype: str) -> Any:
    record = _load(quiz_id)
    try:
        text = exporter(record.quiz)
    except QuizError as exc:
        return _quiz_page(record, error=exc.message), 400
    name = re.sub(r"[^A-Za-z0-9]+", "-", record.quiz.title).strip("-").lower()[:60] or "quiz"
    return Response(text, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{name}.{suffix}"',
        "Cache-Control": "no-store"})
