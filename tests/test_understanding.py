"""How questions are understood: term-anchored dates, Finglish, scope, computed answers, and
questions of several parts. Each test holds a kind of question, over several phrasings."""

from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.answering.engine import Engine
from bot.core.course.loader import load_course
from bot.core.lang.calendar import format_date, jalali_to_date, parse_when, to_jalali
from bot.core.lang.detect import detect_language
from bot.core.lang.finglish import is_finglish
from bot.core.lang.lexicon import lexicon
from bot.core.lang.text import normalize

COURSE = Path(__file__).resolve().parents[1] / "data" / "mlsd-spring-2023.yaml"
BEFORE = parse_when("1401-11-01T10:00")
DURING = parse_when("1402-01-20T10:00")
AFTER = parse_when("1402-06-01T10:00")
YEARS_LATER = parse_when("2026-11-28T12:00")
MOMENTS = [BEFORE, DURING, AFTER, YEARS_LATER]


@pytest.fixture(scope="module")
def engine():
    return Engine(load_course(COURSE))


@pytest.fixture(scope="module")
def course(engine):
    return engine.course


def has(answer, *values):
    text = normalize(answer.text)
    return all(normalize(v) in text for v in values)


# -- dates without a year mean the course's term ------------------------------------------


@pytest.mark.parametrize("now", MOMENTS)
@pytest.mark.parametrize(
    ("question", "day"),
    [
        ("What's the topic on 26 Farvardin?", "26 Farvardin 1402"),
        ("what do we have on 8 esfand", "8 Esfand 1401"),
        ("what's on April 10?", "21 Farvardin 1402"),
        ("what's happening on march 6", "15 Esfand 1401"),
        ("anything on the 20th of may?", "30 Ordibehesht 1402"),
    ],
)
def test_a_day_without_a_year_is_the_course_day_whenever_asked(engine, now, question, day):
    """A day named without a year is that day of the term, before, during or after it."""
    answer = engine.answer(question, now)
    assert answer.answered and has(answer, day), answer.text


@pytest.mark.parametrize("now", MOMENTS)
def test_persian_days_in_any_digit_script_are_the_course_day(engine, now):
    """۸ خرداد, ٨ خرداد and 8 خرداد all mean 8 Khordad 1402."""
    for question in ("۸ خرداد چه خبره", "٨ خرداد چه خبره", "8 خرداد چی داریم"):
        answer = engine.answer(question, now)
        assert has(answer, "8 خرداد 1402"), (question, answer.text)


@pytest.mark.parametrize("now", MOMENTS)
def test_a_month_means_the_whole_month_of_the_term(engine, course, now):
    """'Quizzes in Ordibehesht' lists every quiz of that month, in any year asked."""
    wanted = [
        item
        for item in course.items_of("quiz")
        if item.starts_at is not None and to_jalali(item.starts_at.date()).month == 2
    ]
    assert len(wanted) >= 2
    for question in ("which quizzes are in Ordibehesht?", "کوییزای اردیبهشت کیا هستن"):
        answer = engine.answer(question, now)
        lang = detect_language(question)
        for item in wanted:
            assert has(answer, format_date(item.starts_at.date(), lang)), answer.text


def test_an_explicit_year_is_respected(engine):
    """'26 Farvardin 1403' is a day after the course: nothing on it, not 1402's class."""
    answer = engine.answer("what's on 26 Farvardin 1403", DURING)
    assert has(answer, "1403") and not has(answer, "1402-01-26")
    assert "Modeling" not in answer.text


# -- Finglish ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "kelas koja tashkil mishe",
        "farda kelas darim?",
        "nomre project chande",
        "quiz badi kei?",
        "deadline tamrin 2 kaye",
        "ostad kiye",
        "chand ta quiz darim",
    ],
)
def test_finglish_is_read_as_persian_and_answered_in_persian_script(engine, question):
    """Persian typed in Latin letters gets a Persian answer."""
    assert is_finglish(question) and detect_language(question) == "fa"
    answer = engine.answer(question, DURING)
    assert answer.answered and answer.lang == "fa"
    assert any("\u0600" <= ch <= "\u06ff" for ch in answer.text)


@pytest.mark.parametrize(
    "question",
    ["what's the key date for quiz 3", "salam, when is quiz 3?", "do we have class in esfand"],
)
def test_english_with_words_finglish_shares_stays_english(engine, question):
    """English questions using 'key', 'in', 'salam' or a month name stay English."""
    assert detect_language(question) == "en"


def test_finglish_answers_in_english_when_the_user_chose_english(engine):
    """A user whose language is English gets English, whatever the script."""
    answer = engine.answer("quiz badi kei?", DURING, "en")
    assert answer.lang == "en" and "Quiz" in answer.text


@pytest.mark.parametrize(
    ("question", "item"),
    [("quiz badi kei?", "quiz-4"), ("kuiz badi key hast", "quiz-4"), ("tamrin 2 kei", "ca-2")],
)
def test_finglish_spelling_variants_reach_the_same_item(engine, question, item):
    """kei/key, quiz/kuiz, badi: the spellings students use name the same thing."""
    assert item in engine.answer(question, DURING).used


def test_finglish_spellings_are_data(engine):
    """The Finglish spellings live in the lexicon files, not in code."""
    table = lexicon().transliteration
    assert table["koja"] == normalize("کجا") and table["kei"] == normalize("کی")


# -- other courses and other people --------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "When is quiz 3 of the Deep Learning course?",
        "What's the CA2 deadline for the Compilers course?",
        "who teaches Computer Networks",
        "کوییز ۲ درس سیستم عامل کیه",
        "ددلاین تمرین هوش مصنوعی کیه",
        "the linear algebra final exam date?",
    ],
)
def test_questions_about_other_courses_are_declined(engine, question):
    """A question naming another course is declined, saying why, with no MLSD facts."""
    answer = engine.answer(question, DURING)
    assert not answer.answered and answer.declined == "other-course"
    assert "1402" not in normalize(answer.text)


@pytest.mark.parametrize(
    "question",
    ["when is quiz 3 of MLSD?", "ML systems design quiz 3", "کوییز ۳ طراحی سیستم‌های یادگیری ماشین"],
)
def test_this_course_by_any_of_its_names_is_answered(engine, question):
    """Naming this course is fine."""
    answer = engine.answer(question, DURING)
    assert answer.answered and answer.used == ("quiz-3",)


@pytest.mark.parametrize(
    "question",
    [
        "What grade did Reza Ahmadi get on quiz 2?",
        "what did Sara score on CA1",
        "نمره‌ی مریم تو کوییز ۳ چند شد؟",
    ],
)
def test_other_peoples_grades_are_declined(engine, question):
    """Another person's grade is declined with the reason."""
    answer = engine.answer(question, DURING)
    assert not answer.answered and answer.declined == "other-person"


@pytest.mark.parametrize(
    "question",
    [
        "what will the instructor teach next semester?",
        "quizzes from last year?",
        "ترم بعد کوییز داریم؟",
    ],
)
def test_other_terms_are_declined(engine, question):
    """Only this term's syllabus is known: other terms and years are declined."""
    assert engine.answer(question, DURING).declined == "other-term"


# -- computed answers -------------------------------------------------------------------


@pytest.mark.parametrize("now", [BEFORE, DURING, parse_when("1402-02-05T20:00")])
@pytest.mark.parametrize(
    ("question", "item"),
    [
        ("how many days until the CA2 deadline?", "ca-2"),
        ("چند روز تا ددلاین فاز ۳ مونده", "project-3"),
        ("days left until quiz 6", "quiz-6"),
    ],
)
def test_days_until_is_counted_from_now(engine, course, now, question, item):
    """The count is the calendar days from now to the event, with its date."""
    found = course.item_by_id(item)
    moment = found.due_at or found.starts_at
    answer = engine.answer(question, now)
    days = (moment.date() - now.date()).days
    lang = detect_language(question)
    assert answer.used == (item,) and has(answer, format_date(moment.date(), lang))
    if moment - now > timedelta(days=2):
        assert has(answer, str(days))


def test_under_two_days_the_count_is_in_hours(engine, course):
    """A deadline less than two days away is counted in hours."""
    due = course.item_by_id("ca-2").due_at
    answer = engine.answer("how long until CA2 is due?", due - timedelta(hours=30))
    assert "30 hour" in answer.text


def test_days_since_a_past_event(engine):
    """After the event, the answer says how long ago it was."""
    answer = engine.answer("how many days until the CA2 deadline?", AFTER)
    assert "ago" in answer.text and answer.used == ("ca-2",)


@pytest.mark.parametrize(
    ("question", "count"),
    [
        ("how many TAs are there", lambda c: len(c.staff_by_role("lead_ta", "ta"))),
        ("how many workshops", lambda c: len(c.items_of("workshop"))),
        ("how many phases does the project have", lambda c: len(c.items_of("project"))),
        ("چند تا کوییز داریم", lambda c: len(c.items_of("quiz"))),
        ("how many sessions are in the schedule", lambda c: len(c.sessions)),
        ("how many books are on the reference list", lambda c: len(c.data.references)),
    ],
)
def test_counts_come_first(engine, course, question, count):
    """'How many …' is answered with the number, first."""
    answer = engine.answer(question, DURING)
    number = count(course)
    digits = normalize(answer.text)[:60]
    assert answer.answered and str(number) in digits, answer.text


@pytest.mark.parametrize(
    "question",
    [
        "How much is the final exam worth?",
        "امتحان پایان ترم چند نمره ست؟",
        "quiz ha chand nomre daran",
    ],
)
def test_a_grading_part_gets_its_weight(engine, course, question):
    """The weight of a part is answered with its points out of the total, not its date."""
    parts = {p.id: p for p in course.data.grading.parts}
    part = parts["final"] if "final" in question or "پایان" in question else parts["quizzes"]
    answer = engine.answer(question, DURING)
    assert has(answer, f"{part.points:g}", f"{course.data.grading.total:g}")
    assert "Edu" not in answer.text


@pytest.mark.parametrize("now", MOMENTS)
def test_course_start_and_end_are_dates_not_the_weekly_time(engine, course, now):
    """When the course starts or ends is its first or last class date."""
    first, last = course.sessions[0].date, course.sessions[-1].date
    start = engine.answer("When does the course start?", now)
    end = engine.answer("when does the semester end", now)
    assert has(start, format_date(first, "en")) and "16:30–18:00" not in start.text
    assert has(end, format_date(last, "en"))


@pytest.mark.parametrize("now", MOMENTS)
def test_class_on_a_day_is_yes_or_no_with_the_next_class(engine, course, now):
    """A class day says yes; another day says no and names the next class after it."""
    yes = engine.answer("is there class on 26 Farvardin?", now)
    assert yes.answered and yes.text.startswith("Yes")
    no = engine.answer("Is there class on 1 Tir?", now)
    following = next(s for s in course.sessions if s.date > jalali_to_date(1402, 4, 1))
    assert no.text.startswith("There is no class")
    assert has(no, format_date(following.date, "en"))


@pytest.mark.parametrize("now", MOMENTS)
@pytest.mark.parametrize(
    "question",
    [
        "When is the next class after Nowruz?",
        "بعد از عید کلاس کی شروع میشه؟",
        "bad az eid kelas kei shoroo mishe",
    ],
)
def test_the_class_after_the_break_does_not_depend_on_now(engine, course, now, question):
    """'After Nowruz' counts from the break, whenever it is asked."""
    resume = course.breaks[0].next_class
    answer = engine.answer(question, now)
    assert has(answer, format_date(resume, detect_language(question)))


def test_are_classes_online_says_in_person_first(engine, course):
    """'Are classes online?' says where classes are held, and when they go online."""
    answer = engine.answer("Are classes online?", DURING)
    assert "A22" in answer.text and "CW" in answer.text


# -- several parts, chatter, and nothing unrelated -----------------------------------------


@pytest.mark.parametrize(
    ("question", "wanted"),
    [
        ("how much is the final project worth and how many phases", ("12", "3")),
        ("where is the class and who are the TAs?", ("A22", "Basafa")),
        ("پروژه چند نمره داره و چند تا فاز داره؟", ("12", "3")),
        ("how much is the final exam worth and when is it", ("4", "Edu")),
    ],
)
def test_every_part_of_a_question_is_answered(engine, question, wanted):
    """Each part the knowledge base covers is answered."""
    answer = engine.answer(question, DURING)
    assert answer.answered and has(answer, *wanted), answer.text


@pytest.mark.parametrize(
    "question",
    [
        "What days and time is the class? I'm new here",
        "Sorry for bothering you… Is the final project really worth 12 out of 21?",
        "hi! I was sick last week and missed class, when is quiz 5?",
    ],
)
def test_greetings_apologies_and_context_do_not_derail(engine, question):
    """Chatter around a question neither declines it nor adds unrelated answers."""
    answer = engine.answer(question, DURING)
    assert answer.answered
    assert "faq:late-policy" not in answer.used


@pytest.mark.parametrize(
    ("question", "only"),
    [
        (
            "I missed the quiz on 21 Farvardin, I was sick. I'm not asking about a make-up. "
            "Question: when does project phase 2 get released?",
            "project-2",
        ),
        (
            "I lost a week of work on CA1 when my laptop died, but that's not my question. "
            "who's the lead TA?",
            "staff:basafa",
        ),
    ],
)
def test_the_announced_question_is_answered_not_the_story(engine, question, only):
    """A long message's announced question is answered, not what the telling names."""
    answer = engine.answer(question, DURING)
    assert answer.answered
    assert answer.used == (only,), answer.text


@pytest.mark.parametrize(
    ("question", "only"),
    [
        ("did I miss the dvc workshop", "workshop-dvc"),
        ("how many days until the CA2 deadline?", "ca-2"),
    ],
)
def test_an_answer_says_what_was_asked(engine, question, only):
    """No policy or list is appended to a plain question about one item."""
    answer = engine.answer(question, DURING)
    assert answer.used == (only,)
    assert len(answer.text.splitlines()) <= 3


def test_the_tentative_schedule_is_said_to_be_tentative(engine):
    """'Is the schedule final?' says the printed schedule is tentative."""
    for question in ("is the schedule final?", "برنامه کلاس‌ها قطعیه؟"):
        answer = engine.answer(question, DURING)
        assert answer.used == ("faq:tentative",), question


def test_ta_office_hours_are_a_known_gap(engine):
    """The syllabus gives only the instructor's hours: said plainly, counted as unanswered."""
    answer = engine.answer("Do TAs have office hours?", DURING)
    assert not answer.answered and "instructor" in answer.text


# -- honest about what the syllabus does not say ----------------------------------------


def test_derived_deadlines_say_so_wherever_they_are_listed(engine, course):
    """Deadline lists, reminders and the calendar keep "(release + 14 days)" for CA deadlines."""
    from bot.core.planning.reminders import PlanSettings, plan, reminder_text
    from bot.core.render import facts
    from bot.core.render.ical import course_calendar

    assert "CA1" in facts.render(course, "deadlines", "en")
    for line in facts.render(course, "deadlines", "en").splitlines():
        if line.startswith("• CA"):
            assert "(release + 14 days)" in line
        elif line.startswith("• Project"):
            assert "release +" not in line  # printed in the syllabus
    settings = PlanSettings.parse({"deadline": ["1d"]}, None, channel=False)
    reminder = next(r for r in plan(course, settings) if r.event_key == "deadline:ca-2")
    assert "(release + 14 days)" in reminder_text(reminder, course, "en", BEFORE)
    assert b"CA2 due (release + 14 days)" in course_calendar(course, "en")


def test_assumed_times_are_not_stated_as_fact(engine):
    """A deadline's 23:59 and a workshop's class time are said to be assumed."""
    due = engine.answer("when is CA3 due?", BEFORE)
    assert "23:59" in due.text and "assumed" in due.text
    workshop = engine.answer("when is the mlflow workshop?", BEFORE)
    assert "assumed" in workshop.text


def test_project_phase_lengths_say_what_policy_and_table_say(engine, course):
    """The project answer gives the policy's days and the printed phase lengths."""
    answer = engine.answer("how long is each project phase?", BEFORE)
    lengths = [(p.due_at.date() - p.release_at.date()).days for p in course.items_of("project")]
    assert has(answer, str(course.data.policies.project_phase_days))
    assert all(has(answer, f"{n} days") for n in lengths)


@pytest.mark.parametrize(
    "question",
    [
        "when is the second project phase due and when is the quiz after that?",
        "ددلاین فاز دو پروژه و کوییز بعد از اون کی هستن؟",
    ],
)
def test_after_that_counts_from_the_previous_part(engine, course, question):
    """'… and the quiz after that' is the first quiz after the item the question named."""
    answer = engine.answer(question, BEFORE)
    phase = course.item_by_id("project-2")
    following = next(
        item
        for item in course.items_of("quiz")
        if item.starts_at is not None and item.starts_at > phase.due_at
    )
    assert answer.used[-1] == following.id


# -- items named relative to another, distances, parts of the course ----------------------


@pytest.mark.parametrize(
    ("question", "named", "direction", "kind"),
    [
        ("the one after quiz 3 - when is it?", "quiz-3", "after", "quiz"),
        ("کوییز بعد از کوییز سه کیه؟", "quiz-3", "after", "quiz"),
        ("quiz e ghabl az workshop mlflow kie?", "workshop-mlflow", "before", "quiz"),
        ("when is the quiz right before the phase 2 deadline", "project-2", "before", "quiz"),
        (
            "which assignment comes out after the DVC workshop?",
            "workshop-dvc",
            "after",
            "assignment",
        ),
        ("پروژه‌ی بعد از تمرین ۲ کیه؟", "ca-2", "after", "project"),
    ],
)
def test_an_item_named_relative_to_another_is_the_neighbour(
    engine, course, question, named, direction, kind
):
    """An item named by another ("the quiz after quiz 3") is the nearest of its kind there."""
    anchor = course.item_by_id(named)
    by_deadline = "deadline" in question or "ددلاین" in question

    def moment(item):
        if by_deadline and item.due_at is not None:
            return item.due_at
        return item.starts_at or item.release_at or item.due_at

    side = [
        item
        for item in course.items_of(kind)
        if item is not anchor
        and (
            moment(item) > moment(anchor) if direction == "after" else moment(item) < moment(anchor)
        )
    ]
    expected = (min if direction == "after" else max)(side, key=moment)
    answer = engine.answer(question, DURING)
    assert answer.answered and answer.used == (expected.id,), answer.text


def test_before_or_after_compares_the_two_items_named(engine):
    """A comparison ("DVC workshop before or after quiz 3?") gives both dates, no third item."""
    answer = engine.answer("is the dvc workshop before or after quiz 3", DURING)
    assert set(answer.used) == {"workshop-dvc", "quiz-3"}


@pytest.mark.parametrize(
    ("question", "first", "second"),
    [
        ("how many days between quiz 3 and quiz 4", "quiz-3", "quiz-4"),
        ("فاصله بین کوییز ۲ و کوییز ۳ چند روزه؟", "quiz-2", "quiz-3"),
        ("بین کوییز ۲ و ۳ چند روز فاصله است؟", "quiz-2", "quiz-3"),
        ("how far apart are the CA1 and CA2 deadlines", "ca-1", "ca-2"),
    ],
)
def test_days_between_two_items(engine, course, question, first, second):
    """The gap between two named items is their calendar days apart, with both dates."""
    a, b = course.item_by_id(first), course.item_by_id(second)
    deadlines = "deadline" in question
    at = [(i.due_at if deadlines else i.starts_at or i.release_at).date() for i in (a, b)]
    lang = detect_language(question)
    answer = engine.answer(question, YEARS_LATER)
    assert answer.used == (first, second)
    assert has(
        answer, str((at[1] - at[0]).days), format_date(at[0], lang), format_date(at[1], lang)
    )


@pytest.mark.parametrize(
    ("question", "section", "which"),
    [
        ("when does deployment start", "deployment", "first"),
        ("مبحث Deployment از کی شروع میشه؟", "deployment", "first"),
        ("آخرین جلسه‌ی Data LifeCycle کیه؟", "data", "last"),
        ("when is the introduction over", "intro", "last"),
        ("چند جلسه برای Modeling Pipeline در نظر گرفته شده؟", "modeling", "count"),
        ("how many sessions is modeling pipeline", "modeling", "count"),
    ],
)
def test_a_part_of_the_course_has_its_first_last_and_number_of_classes(
    engine, course, question, section, which
):
    """Questions about a part of the course ("Deployment") count its own classes."""
    days = [s.date for s in course.sessions if s.section.id == section]
    lang = detect_language(question)
    answer = engine.answer(question, YEARS_LATER)
    assert answer.used == (f"section:{section}",)
    if which == "first":
        assert has(answer, format_date(days[0], lang))
    elif which == "last":
        assert has(answer, format_date(days[-1], lang))
    else:
        assert has(answer, str(len(days)))


@pytest.mark.parametrize("question", ["دومین کارگاه کیه؟", "when is the second workshop"])
def test_workshops_are_numbered_by_date(engine, course, question):
    """The second workshop is the second by date, though workshops go by name."""
    second = sorted(course.items_of("workshop"), key=lambda item: item.starts_at)[1]
    assert engine.answer(question, YEARS_LATER).used == (second.id,)


@pytest.mark.parametrize(
    "question", ["what's hossein basafa's phone number", "شماره تلفن باصفا چنده؟"]
)
def test_a_phone_number_the_syllabus_lacks_is_declined_with_the_email(engine, course, question):
    """A TA's phone is not in the syllabus: declined, pointing to the email it does give."""
    person = next(p for p in course.data.staff if p.id == "basafa")
    assert person.phone is None
    answer = engine.answer(question, YEARS_LATER)
    assert not answer.answered and has(answer, person.emails[0])


@pytest.mark.parametrize(
    "question",
    ["what's the schedule of MLSD in fall 2024", "quiz dates for the winter 2022 semester"],
)
def test_another_season_and_year_is_another_term(engine, question):
    """A season with another year is another term; spring 2023 is this one."""
    assert engine.answer(question, YEARS_LATER).declined == "other-term"
    assert engine.answer("when is quiz 3 in spring 2023", YEARS_LATER).answered


@pytest.mark.parametrize("question", ["is there class on wednesday?", "کلاس چهارشنبه داریم؟"])
def test_no_class_on_a_weekday_says_which_days_have_class(engine, course, question):
    """Asked about a day classes never meet, the answer names the days they do."""
    lang = detect_language(question)
    weekdays = sorted({s.starts_at.weekday() for s in course.sessions})
    names = {"en": ["Monday", "Saturday"], "fa": ["دوشنبه", "شنبه"]}[lang]
    assert weekdays == [0, 5]
    assert has(engine.answer(question, DURING), *names)


@pytest.mark.parametrize(
    ("question", "named", "expected"),
    [
        ("which assignment is due on the same day as quiz 5", "quiz-5", "ca-2"),
        ("فاز سوم پروژه با کدوم کوییز همزمان اعلام میشه؟", "project-3", "quiz-7"),
    ],
)
def test_an_item_on_the_same_day_as_another(engine, course, question, named, expected):
    """An item "on the same day as quiz 5" shares a date with the item named."""

    def days(item):
        return {m.date() for m in (item.starts_at, item.release_at, item.due_at) if m}

    answer = engine.answer(question, DURING)
    assert answer.used == (expected,)
    assert days(course.item_by_id(expected)) & days(course.item_by_id(named))


@pytest.mark.parametrize(
    ("question", "item"),
    [
        ("how many days between project phase 1 release and its deadline", "project-1"),
        ("how many days does phase 2 of the project get, release to deadline", "project-2"),
        ("فاز ۱ از انتشار تا مهلت چند روزه؟", "project-1"),
    ],
)
def test_days_from_release_to_deadline(engine, course, question, item):
    """An item's own span is the calendar days from its release to its deadline."""
    found = course.item_by_id(item)
    answer = engine.answer(question, YEARS_LATER)
    assert answer.used == (item,)
    assert has(answer, str((found.due_at.date() - found.release_at.date()).days))


@pytest.mark.parametrize(
    "question",
    [
        "ميانترم داريم؟ چند نمره ست؟",
        "حضور غیاب داره کلاس؟ چندتا غیبت مجازه؟",
        "nomre mian term chande?",
        "what are the prerequisites for this course",
    ],
)
def test_what_the_syllabus_leaves_out_is_declined_even_with_other_words(engine, question):
    """A midterm, attendance or prerequisites are not in the syllabus, whatever else is asked."""
    answer = engine.answer(question, YEARS_LATER)
    assert not answer.answered and answer.used == ("faq:not-in-syllabus",)


def test_a_part_leaning_on_a_declined_part_is_declined_with_it(engine):
    """A part with no subject of its own ("until when?") goes with the declined part before it."""
    answer = engine.answer("میشه این درسو حذف اضطراری کرد؟ تا کی وقت داریم؟", YEARS_LATER)
    assert not answer.answered and answer.declined == "campus"
    both = engine.answer("where is the parking? and when is quiz 3", YEARS_LATER)
    assert both.answered and both.used == ("quiz-3",)


@pytest.mark.parametrize(
    ("question", "kind", "day"),
    [
        ("بعد از ۱۳ خرداد دیگه کلاسی داریم؟", "class", "1402-03-13"),
        ("any quizzes after 1 khordad?", "quiz", "1402-03-01"),
    ],
)
def test_what_comes_after_a_day(engine, course, question, kind, day):
    """Asked what comes after a day, the answer counts what follows and names the next."""
    after = jalali_to_date(*map(int, day.split("-")))
    later = [e for e in course.events if e.kind == kind and e.at.date() > after]
    answer = engine.answer(question, DURING)
    lang = detect_language(question)
    assert answer.used == (later[0].source_id,)
    assert has(answer, str(len(later)), format_date(later[0].at.date(), lang))


@pytest.mark.parametrize(
    "question", ["when is the second to last quiz", "کوییز یکی مونده به آخر چه روزیه؟"]
)
def test_the_second_to_last(engine, course, question):
    """The second to last quiz is the one before the last."""
    assert engine.answer(question, YEARS_LATER).used == (course.items_of("quiz")[-2].id,)


@pytest.mark.parametrize(
    ("question", "kind"),
    [("برای هر فاز پروژه چند روز وقت داریم؟", "project"), ("هر تمرین چند روز وقت داره؟", "ca")],
)
def test_how_long_each_one_runs_is_not_a_countdown(engine, course, question, kind):
    """Asked how many days each phase gets, the answer is its length, not a countdown."""
    answer = engine.answer(question, DURING)
    policies = course.data.policies
    lengths = {"project": policies.project_phase_days, "ca": policies.assignment_days}
    assert has(answer, str(lengths[kind]))


def test_when_class_starts_gives_the_first_day_and_the_hours(engine, course):
    """Asked when class starts, the answer gives both the first class and the weekly hours."""
    first = course.sessions[0]
    answer = engine.answer("when does class start", BEFORE)
    assert has(answer, format_date(first.date, "en"), "16:30")


@pytest.mark.parametrize(("question", "number"), [("کوییز ششمه کیه؟", 6), ("quiz sevome kie", 3)])
def test_persian_ordinals_with_a_spoken_ending(engine, question, number):
    """A spoken ending on an ordinal ("ششمه") still names the item."""
    assert engine.answer(question, YEARS_LATER).used == (f"quiz-{number}",)


@pytest.mark.parametrize(
    ("question", "section", "kind", "which"),
    [
        ("is there any workshop during the modeling part?", "modeling", "workshop", "all"),
        ("quizzes on data lifecycle", "data", "quiz", "all"),
        ("اولین کوییز از بخش استقرار و پایش (Deployment) کیه؟", "deployment", "quiz", "first"),
    ],
)
def test_the_items_of_a_part_of_the_course(engine, course, question, section, kind, which):
    """Quizzes or workshops asked of a part of the course are that part's own, or none."""
    items = [i for i in course.items if i.section.id == section and i.kind == kind]
    expected = tuple(i.id for i in (items[:1] if which == "first" else items))
    assert engine.answer(question, YEARS_LATER).used == expected


@pytest.mark.parametrize(
    "question",
    [
        "whats the class avg on quiz 2",
        "nomre quiz 1 kei miad?",
        "when will we get our quiz 3 grades",
        "پروژه گروهیه یا انفرادی؟ چند نفره؟",
        "ترم تابستون این درس ارائه میشه؟",
        "how do I set up a DVC remote on google drive for the project",
        "شماره تلفن حسین بصافا رو داری؟",
    ],
)
def test_more_of_what_the_syllabus_cannot_answer(engine, question):
    """Averages, grade dates, team sizes, summer terms, tool set-up, a TA's phone: declined."""
    assert not engine.answer(question, YEARS_LATER).answered


def test_a_deadline_before_nowruz_counts_until_the_new_year(engine, course):
    """Before the Nowruz break, work may fall due after the last class but before the new year."""
    answer = engine.answer("last deadline before the nowruz break", DURING)
    pause = course.breaks[0]
    due = [
        e
        for e in course.events
        if e.kind == "deadline" and pause.last_class <= e.at.date() < pause.next_class
    ]
    assert due and has(answer, format_date(due[-1].at.date(), "en"))


def test_a_name_with_and_in_it_is_one_subject(engine):
    """ "Deployment and Monitoring" is one part of the course, not two clauses."""
    answer = engine.answer("when does deployment and monitoring start and when is quiz 3", DURING)
    assert answer.used == ("section:deployment", "quiz-3")


@pytest.mark.parametrize(
    ("question", "first", "last"),
    [
        ("I'll be away 10-20 Farvardin, do I miss anything?", "1402-01-10", "1402-01-20"),
        ("من از ۲۵ فروردین تا ۵ اردیبهشت مسافرتم، چیزی از دست میدم؟", "1402-01-25", "1402-02-05"),
        ("what happens between April 1 and April 15", "2023-04-01", "2023-04-15"),
    ],
)
def test_a_range_of_days_lists_everything_in_it(engine, course, question, first, last):
    """A range of days ("10-20 Farvardin", "from … to …") lists every event within it."""

    def day(text):
        y, m, d = map(int, text.split("-"))
        return jalali_to_date(y, m, d) if y < 1700 else type(BEFORE.date())(y, m, d)

    start, end = day(first), day(last)
    inside = {e.source_id for e in course.events if start <= e.at.date() <= end}
    answer = engine.answer(question, BEFORE)
    assert inside and inside <= set(answer.used)


@pytest.mark.parametrize(
    ("question", "item"),
    [
        ("ددلاینتمرینسهکیه", "ca-3"),
        ("ددلاینفازدوپروژهکیه؟", "project-2"),
        ("کوییزسومکیه", "quiz-3"),
    ],
)
def test_persian_typed_without_spaces(engine, question, item):
    """Persian typed without spaces is split into the words it is made of."""
    assert engine.answer(question, YEARS_LATER).used == (item,)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("تاریخ انتشار و تحویل هر سه تمرین رو یکجا میگی؟", "ca"),
        ("How many days do we have to submit each assignment?", "ca"),
        ("برای تمرینا چند روز مهلت میدن", "ca"),
    ],
)
def test_each_of_a_kind_is_the_list_of_them(engine, course, question, kind):
    """ "Each assignment" or "all three assignments" is the list, with every date and length."""
    answer = engine.answer(question, YEARS_LATER)
    items = course.items_of("assignment")
    lang = detect_language(question)
    assert has(answer, *(format_date(i.due_at.date(), lang) for i in items))
    assert has(answer, str(course.data.policies.assignment_days))


def test_per_hour_is_not_each_item(engine):
    """ "Per hour" late is the late policy, not a list of items."""
    answer = engine.answer("اگه تمرین رو دیر تحویل بدم به ازای هر ساعت چقدر کم میشه؟", DURING)
    assert answer.used == ("faq:late-policy",)


def test_the_next_deadline_after_an_item_is_anyones(engine, course):
    """ "What's due next after CA3" is the next deadline of any kind."""
    ca3 = course.item_by_id("ca-3")
    later = [i for i in course.items if i.due_at and i.due_at > ca3.due_at]
    expected = min(later, key=lambda i: i.due_at)
    assert engine.answer("what's due next after CA3?", DURING).used == (expected.id,)


@pytest.mark.parametrize("question", ["what's next?", "whats coming up", "بعدی چیه", "چی بعدیه"])
def test_whats_next_is_the_next_class_quiz_and_deadline(engine, course, question):
    """ "What's next?" names the next class, quiz and deadline, as /next does."""
    lang = detect_language(question)
    answer = engine.answer(question, DURING)
    assert answer.answered
    for kind in ("class", "quiz", "deadline"):
        event = course.next_event(DURING, [kind])
        assert has(answer, format_date(event.at.date(), lang))


@pytest.mark.parametrize("question", ["is there class tomorrow", "فردا کلاس داریم؟"])
def test_class_tomorrow_is_yes_or_no_with_the_next_class(engine, course, question):
    """Asked about class tomorrow, the answer is about classes, with the next one if none."""
    now = parse_when("1402-02-01T12:00")
    tomorrow = now.date() + timedelta(days=1)
    following = course.next_event(now, ["class"])
    answer = engine.answer(question, now)
    assert course.session_on(tomorrow) is None
    assert answer.used == (f"session:{following.session.id}",)


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        ("what's my grade", "personal"),
        ("can you solve CA2 for me", "solutions"),
        ("where is the parking", "campus"),
    ],
)
def test_a_decline_on_principle_says_why(engine, question, reason):
    """Declined on principle, the answer is one line saying why, not the list of topics."""
    answer = engine.answer(question, YEARS_LATER)
    assert answer.declined == reason and "\n" not in answer.text
    assert answer.text != engine.answer("xyzzy plugh", YEARS_LATER).text


def test_the_term_and_the_assignments_come_from_the_course_file(engine, course):
    """Declines and the fallback name the course file's term and assignments, not fixed text."""
    other = engine.answer("MLSD in fall 2024", YEARS_LATER)
    assert other.declined == "other-term" and has(other, course.data.course.term.en)
    assert engine.answer("when is quiz 3 in spring 2023", YEARS_LATER).answered
    fallback = engine.answer("xyzzy plugh", YEARS_LATER).text
    first, last = course.items_of("assignment")[0], course.items_of("assignment")[-1]
    assert f"{first.title.en}–{last.title.en}" in fallback


@pytest.mark.parametrize(
    "question", ["what's still open right now?", "anything open to work on now?", "الان چی بازه؟"]
)
def test_what_is_open_now_is_released_and_not_yet_due(engine, course, question):
    """Open work is every assignment or phase released and not yet due at that moment."""
    now = parse_when("1402-02-05T10:00")
    expected = tuple(
        i.id for i in course.items if i.release_at and i.due_at and i.release_at <= now < i.due_at
    )
    assert expected and engine.answer(question, now).used == expected


@pytest.mark.parametrize(
    ("question", "used"),
    [
        ("how is the grade broken down?", ("faq:grading",)),
        ("when does MLSD start and where?", ("term:start",)),
    ],
)
def test_plain_questions_in_other_words(engine, question, used):
    """The grading breakdown and the course's start, asked in words no set used before."""
    assert engine.answer(question, YEARS_LATER).used == used


def test_what_did_i_get_is_ones_own_grade(engine):
    """ "What did I get on quiz 3?" asks for one's own grade: declined, saying why."""
    assert engine.answer("what did I get on quiz 3?", YEARS_LATER).declined == "personal"


@pytest.mark.parametrize(
    ("question", "weekday"),
    [
        ("what weekday is the 18 Ord class", "Monday"),
        ("what day of the week is 20 esfand", "Saturday"),
        ("۸ خرداد چندشنبه است؟", "دوشنبه"),
    ],
)
def test_the_weekday_of_a_date_is_spelled_out(engine, question, weekday):
    """Asked for the day of the week, the answer spells it out in full."""
    assert has(engine.answer(question, YEARS_LATER), weekday)


def test_whats_left_this_term_is_everything_ahead(engine, course):
    """ "What's left this term?" lists every quiz, deadline and workshop still ahead."""
    now = parse_when("1402-02-20T10:00")
    ahead = [e for e in course.events if e.at > now and e.kind in ("quiz", "deadline", "workshop")]
    answer = engine.answer("I was away for three weeks. what's left this term?", now)
    assert {e.source_id for e in ahead} <= set(answer.used)
