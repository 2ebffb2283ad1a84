"""Demo data for the resource library, called by `manage.py seed_demo` after the people exist.

The story: Riverside's SENDCO curates home strategies for reading, anxiety, ADHD and EAL,
published to families, and families have said how they went ("helped 1 of 2 families"); its
teachers share worksheets and lesson plans with the school, a partner (Urban Home School) and the
whole community, and review each other's. One sensitive behaviour plan waits for the head's
approval. Urban Home School's tutor shares CBC resources for Grade 4 to 8 with its family.
A Riverside parent has suggested a home strategy of their own, waiting for the SENDCO or the
head to publish it to the other families (or decline it, saying why).

Riverside's SENDCO features a collection for families, "Reading at home", at the top of the
library. Oliver Clarke's needs (dyslexia) and his goal (reading aloud every day) bring the
overlay and paired reading strategies to his goals page, each with the reason.

Safe to run again: resources are found by (school, title), feedback by (strategy, family),
reviews by (resource, person), collections by (school, title) and their items by resource, so a
second run adds no row.
"""

from django.db import transaction
from django.db.models import Avg, Count

from accounts.models import School, User
from resources.models import (
    ApprovalStatus,
    Audience,
    Collection,
    CollectionItem,
    Kind,
    Licence,
    Partnership,
    Resource,
    Review,
    ShareApproval,
    Status,
    StrategyFeedback,
    StrategySuggestion,
    Tag,
    TagKind,
    Visibility,
)

RIVERSIDE = "riverside-primary"
URBAN = "urban-home-school"
S, P, K, N, T, C = TagKind.SUBJECT, TagKind.PHASE, TagKind.YEAR, TagKind.NEED, TagKind.TOPIC, TagKind.CURRICULUM

STRATEGY = Kind.HOME_STRATEGY

# (school, author, title, kind, description, body, tags, tier, to families)
RESOURCES = [
    (
        RIVERSIDE,
        "sendco@riverside.example",
        "Paired reading at bedtime",
        STRATEGY,
        "Ten minutes a night: you read a line, your child reads the next.",
        "<p>Choose a book your child likes. Read a sentence aloud, then let them read the next. "
        "When they stumble, wait five seconds, then say the word and carry on.</p>",
        [(N, "Reading fluency"), (P, "Key stage 1"), (P, "Key stage 2")],
        Visibility.SCHOOL,
        True,
    ),
    (
        RIVERSIDE,
        "sendco@riverside.example",
        "Coloured overlay and reading ruler",
        STRATEGY,
        "A simple tool that helps some children keep their place.",
        "<p>Try a reading ruler under the line. Let your child choose the colour.</p>",
        [(N, "Dyslexia"), (N, "Reading fluency")],
        Visibility.COMMUNITY,
        True,
    ),
    (
        RIVERSIDE,
        "sendco@riverside.example",
        "Calm-down corner at home",
        STRATEGY,
        "A quiet place your child chooses, for big feelings.",
        "<p>Pick a spot with a cushion and a few soft things. Practise going there when calm.</p>"
        "<ul><li>Breathe in for four, out for six</li><li>Count five things you can see</li></ul>",
        [(N, "Anxiety"), (N, "Social, emotional and mental health")],
        Visibility.SCHOOL,
        True,
    ),
    (
        RIVERSIDE,
        "sendco@riverside.example",
        "Worry time",
        STRATEGY,
        "Fifteen minutes a day when worries are written down and talked about.",
        "<p>Set the same time each day. Worries that come at other times go in a jar for later.</p>",
        [(N, "Anxiety")],
        Visibility.SCHOOL,
        True,
    ),
    (
        RIVERSIDE,
        "sendco@riverside.example",
        "Visual timetable for mornings",
        STRATEGY,
        "Pictures of each step from waking up to the school gate.",
        "<p>Stick the pictures in order by the door. Your child moves a peg along as each step is done.</p>",
        [(N, "ADHD"), (N, "Autism")],
        Visibility.SCHOOL,
        True,
    ),
    (
        RIVERSIDE,
        "sendco@riverside.example",
        "Movement breaks during homework",
        STRATEGY,
        "Short bursts of movement help children who find sitting still hard.",
        "<p>Work for ten minutes, then two minutes of star jumps or a walk round the garden.</p>",
        [(N, "ADHD")],
        Visibility.SCHOOL,
        True,
    ),
    (
        RIVERSIDE,
        "sendco@riverside.example",
        "Talking in your home language",
        STRATEGY,
        "Talk about the school day in the language you speak best.",
        "<p>Children learning English learn faster when their first language stays strong.</p>",
        [(N, "English as an additional language")],
        Visibility.COMMUNITY,
        True,
    ),
    (
        RIVERSIDE,
        "sendco@riverside.example",
        "Now and next board",
        STRATEGY,
        "Two pictures: what happens now, and what comes next.",
        "<p>Use it for hard moments: now teeth, next story.</p>",
        [(N, "Autism")],
        Visibility.SCHOOL,
        True,
    ),
    (
        RIVERSIDE,
        "teacher@riverside.example",
        "Phonics sounds mat",
        Kind.WORKSHEET,
        "Every Phase 3 sound with a picture.",
        "<p>Print it and keep it by the reading book.</p>",
        [(S, "English"), (T, "Phonics"), (K, "Year 1")],
        Visibility.SCHOOL,
        True,
    ),
    (
        RIVERSIDE,
        "teacher@riverside.example",
        "Fronted adverbials lesson",
        Kind.LESSON_PLAN,
        "One hour, with a starter, modelling and a short write.",
        "<p>Starter: sort sentences. Main: rewrite a paragraph with three fronted adverbials.</p>",
        [(S, "English"), (K, "Year 3"), (C, "Use fronted adverbials")],
        Visibility.COMMUNITY,
        False,
    ),
    (
        RIVERSIDE,
        "teacher@riverside.example",
        "Spelling check: Year 3 words",
        Kind.ASSESSMENT_TOOL,
        "Twenty words from the statutory list, with a marking grid.",
        "<p>Read each word in a sentence; pupils write the word only.</p>",
        [(S, "English"), (K, "Year 3"), (C, "Spell words from the Year 3 and 4 list")],
        Visibility.PARTNERS,
        False,
    ),
    (
        RIVERSIDE,
        "facilitator@riverside.example",
        "Fractions on a number line",
        Kind.WORKSHEET,
        "Place halves, thirds and quarters between 0 and 1.",
        "<p>Three levels of challenge; answers on page two.</p>",
        [
            (S, "Maths"),
            (K, "Year 4"),
            (T, "Fractions"),
            (C, "Recognise and show families of common equivalent fractions"),
        ],
        Visibility.COMMUNITY,
        False,
    ),
    (
        RIVERSIDE,
        "facilitator@riverside.example",
        "Times tables grid",
        Kind.WORKSHEET,
        "All tables to 12 times 12, with the tricky ones shaded.",
        "<p>For the Year 4 multiplication check.</p>",
        [(S, "Maths"), (K, "Year 4"), (T, "Times tables")],
        Visibility.PUBLIC,
        True,
    ),
    (
        RIVERSIDE,
        "facilitator@riverside.example",
        "Bar models for word problems",
        Kind.GUIDE,
        "How we draw bar models, so you can help the same way at home.",
        "<p>Draw one bar for the whole, split it into the parts you know.</p>",
        [(S, "Maths"), (P, "Key stage 2"), (T, "Problem solving")],
        Visibility.SCHOOL,
        True,
    ),
    (
        RIVERSIDE,
        "facilitator@riverside.example",
        "Place value lesson with counters",
        Kind.LESSON_PLAN,
        "Thousands, hundreds, tens and ones with place value counters.",
        "<p>Concrete, pictorial, abstract.</p>",
        [(S, "Maths"), (K, "Year 4"), (T, "Place value")],
        Visibility.PARTNERS,
        False,
    ),
    (
        RIVERSIDE,
        "year5@riverside.example",
        "Photosynthesis explained",
        Kind.VIDEO,
        "A five-minute video on how leaves make food from light.",
        "<p>Watch it together, then draw the leaf and label what goes in and out.</p>",
        [(S, "Science"), (K, "Year 5"), (T, "Plants")],
        Visibility.COMMUNITY,
        True,
    ),
    (
        RIVERSIDE,
        "year5@riverside.example",
        "Separating mixtures practical",
        Kind.LESSON_PLAN,
        "Sieving, filtering and evaporating, with a risk assessment.",
        "<p>Groups of four; goggles on.</p>",
        [(S, "Science"), (K, "Year 5"), (T, "Materials")],
        Visibility.SCHOOL,
        False,
    ),
    (
        RIVERSIDE,
        "reception@riverside.example",
        "Counting songs",
        Kind.AUDIO,
        "Five songs we sing in class, to sing at home.",
        "<p>Numbers to twenty, forwards and back.</p>",
        [(S, "Maths"), (P, "Early years (EYFS)")],
        Visibility.SCHOOL,
        True,
    ),
    (
        RIVERSIDE,
        "reception@riverside.example",
        "Getting ready to write",
        Kind.GUIDE,
        "Play that builds the muscles for holding a pencil.",
        "<p>Playdough, pegs, tearing paper.</p>",
        [(P, "Early years (EYFS)"), (T, "Fine motor skills")],
        Visibility.SCHOOL,
        True,
    ),
    (
        RIVERSIDE,
        "sendco@riverside.example",
        "Behaviour support plan template",
        Kind.GUIDE,
        "The plan we write with families after a pattern of incidents.",
        "<p>Triggers, early signs, what helps, what to avoid, who to call.</p>",
        [(N, "Social, emotional and mental health")],
        Visibility.SCHOOL,
        False,
    ),
    (
        URBAN,
        "tutor@urbanhome.example",
        "Kuandika insha: mwongozo",
        Kind.GUIDE,
        "Hatua za kuandika insha nzuri ya Kiswahili.",
        "<p>Kichwa, utangulizi, mwili, hitimisho.</p>",
        [(S, "Kiswahili"), (K, "Grade 6"), (C, "Kuandika: insha")],
        Visibility.COMMUNITY,
        True,
    ),
    (
        URBAN,
        "tutor@urbanhome.example",
        "Fractions with bottle tops",
        STRATEGY,
        "Make halves and quarters with things you have at home.",
        "<p>Group twelve bottle tops into halves, thirds and quarters. Write each as a fraction.</p>",
        [(S, "Mathematics"), (K, "Grade 4"), (C, "Numbers: fractions")],
        Visibility.SCHOOL,
        True,
    ),
    (
        URBAN,
        "tutor@urbanhome.example",
        "Kitchen garden project",
        Kind.LESSON_PLAN,
        "A term's project for Agriculture and Nutrition.",
        "<p>Plan a bed, plant sukuma wiki, keep a diary.</p>",
        [(S, "Agriculture and Nutrition"), (K, "Grade 5"), (C, "Crop production")],
        Visibility.PARTNERS,
        True,
    ),
    (
        URBAN,
        "tutor@urbanhome.example",
        "Reading log for Grade 8",
        Kind.WORKSHEET,
        "One page a week: title, pages, a sentence about what happened.",
        "<p>Print or copy into a book.</p>",
        [(S, "English"), (K, "Grade 8"), (C, "Reading: extensive reading")],
        Visibility.SCHOOL,
        True,
    ),
    (
        URBAN,
        "tutor@urbanhome.example",
        "CBC assessment rubric: Grade 6",
        Kind.ASSESSMENT_TOOL,
        "Exceeding, meeting, approaching and below expectations, with examples.",
        "<p>Use it with the end-of-term project.</p>",
        [(K, "Grade 6"), (T, "Assessment")],
        Visibility.COMMUNITY,
        False,
    ),
]

# A Riverside parent's suggestion, waiting for moderation: (family email, title, body, needs).
SUGGESTION = (
    "parent@riverside.example",
    "Counting the stairs on the way to bed",
    "<p>We count the stairs together on the way up, in English and then in Spanish. "
    "By the top step the day is over and bedtime feels calmer.</p>",
    [(N, "Anxiety"), (N, "English as an additional language")],
)

# (strategy title, family email, duration, outcome, comment)
FEEDBACK = [
    ("Paired reading at bedtime", "parent@riverside.example", "month", "a_lot", "Amelia asks for it now."),
    ("Paired reading at bedtime", "maria.garcia@riverside.example", "two_weeks", "a_little", ""),
    ("Calm-down corner at home", "parent@riverside.example", "two_weeks", "a_lot", "Fewer meltdowns after school."),
    ("Calm-down corner at home", "maria.garcia@riverside.example", "week", "not_at_all", "He would not go there."),
    ("Visual timetable for mornings", "parent@riverside.example", "month", "a_lot", "Out of the door on time."),
    ("Talking in your home language", "maria.garcia@riverside.example", "month", "a_lot", "Hablamos cada noche."),
    ("Fractions with bottle tops", "parent@urbanhome.example", "week", "a_little", "Jabari liked counting them."),
]

# (school, curator email, title, audience, introduction, [resource titles in order])
COLLECTIONS = [
    (
        RIVERSIDE,
        "sendco@riverside.example",
        "Reading at home",
        Audience.FAMILIES,
        "Ten minutes a day makes a difference. Start with paired reading; if your child loses their "
        "place or the letters seem to move, try the overlay and ruler.",
        ["Paired reading at bedtime", "Coloured overlay and reading ruler", "Talking in your home language"],
    ),
]

# (resource title, reviewer email, stars, text)
REVIEWS = [
    ("Fractions on a number line", "teacher@riverside.example", 5, "Clear levels; used it for the whole class."),
    ("Fractions on a number line", "year4@riverside.example", 4, "Good, the answers helped."),
    ("Times tables grid", "year4@riverside.example", 5, ""),
    ("Fronted adverbials lesson", "year5@riverside.example", 3, "Needs more examples for lower attainers."),
    ("Photosynthesis explained", "teacher@riverside.example", 4, "Short enough to keep them."),
]


def _tags(pairs) -> list[Tag]:
    return [Tag.objects.get_or_create(kind=kind, name=name)[0] for kind, name in pairs]


@transaction.atomic
def seed(stdout=None) -> None:
    schools = {school.slug: school for school in School.objects.filter(slug__in=[RIVERSIDE, URBAN])}
    if len(schools) < 2:
        return
    # Riverside names Urban Home School a partner (their teachers exchange maths and reading work).
    Partnership.objects.get_or_create(school=schools[RIVERSIDE], partner=schools[URBAN])
    people = {user.email: user for user in User.objects.filter(email__contains="@")}
    by_title = {}
    for slug, email, title, kind, description, body, tags, tier, families in RESOURCES:
        author = people.get(email)
        if author is None:
            continue
        resource = Resource.objects.filter(school=schools[slug], title=title).first()
        if resource is None:
            resource = Resource.objects.create(
                school=schools[slug],
                author=author,
                title=title,
                kind=kind,
                description=description,
                body=body,
                licence=Licence.CC_BY if tier != Visibility.PUBLIC else Licence.OGL,
                attribution=f"{author.display_name}, {schools[slug].name}",
                visibility=tier,
                published_to_families=families,
                status=Status.PUBLISHED,
                sensitive=title == "Behaviour support plan template",
            )
            resource.set_tags(_tags(tags))
        by_title[title] = resource
    plan = by_title.get("Behaviour support plan template")
    sendco = people.get("sendco@riverside.example")
    if plan is not None and sendco is not None and not plan.approvals.exists():
        ShareApproval.objects.create(
            resource=plan, visibility=Visibility.PARTNERS, requested_by=sendco, status=ApprovalStatus.PENDING
        )
    for title, email, duration, outcome, comment in FEEDBACK:
        if title in by_title and email in people:
            StrategyFeedback.objects.get_or_create(
                resource=by_title[title],
                family=people[email],
                defaults={"duration": duration, "outcome": outcome, "comment": comment},
            )
    for title, email, stars, text in REVIEWS:
        if title in by_title and email in people:
            resource = by_title[title]
            Review.objects.get_or_create(resource=resource, user=people[email], defaults={"stars": stars, "text": text})
            summary = resource.reviews.aggregate(average=Avg("stars"), count=Count("pk"))
            Resource.objects.filter(pk=resource.pk).update(
                rating_average=summary["average"], rating_count=summary["count"]
            )
    for slug, email, title, audience, introduction, titles in COLLECTIONS:
        curator = people.get(email)
        if curator is None:
            continue
        collection, _created = Collection.objects.get_or_create(
            school=schools[slug],
            title=title,
            defaults={"audience": audience, "introduction": introduction, "curated_by": curator},
        )
        for position, item_title in enumerate(titles):
            if item_title in by_title:
                CollectionItem.objects.get_or_create(
                    collection=collection,
                    resource=by_title[item_title],
                    defaults={"position": position, "added_by": curator},
                )
    _seed_suggestion(school=schools[RIVERSIDE], people=people)


def _seed_suggestion(*, school: School, people: dict) -> None:
    email, title, body, needs = SUGGESTION
    family = people.get(email)
    if family is None or Resource.objects.filter(school=school, title=title).exists():
        return
    resource = Resource.objects.create(
        school=school,
        author=family,
        title=title,
        kind=STRATEGY,
        body=body,
        visibility=Visibility.PRIVATE,
        status=Status.MODERATION,
        from_family=True,
    )
    resource.set_tags(_tags(needs))
    StrategySuggestion.objects.create(resource=resource, show_name=False)
