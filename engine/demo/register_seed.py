"""The demo register for `make run`: two provinces (广西, 广东), their cities and counties, 60 staff with
appointments, training and hearing rooms, entered through engine.registry like any region's data.

Owns: `DEMO_INSTITUTIONS`, `TRIBUNALS` (the demo cases' tribunal, by institution: names on the register),
`LOGINS` (the demo users who are staff), `seed_institutions`, `seed_staff`. The staff are generated from fixed lists (the same 60 people every run);
their ID numbers have valid check digits and birthplaces in their city, and like their phone numbers are
made up: demo data only. Some arbitrators are short of the 40 training hours of 组织规则第二十八条, one
left in 2025 (history), one county commission does not handle its cases on this system (coverage).
May import: engine.codes.identifiers, engine.registry, engine.store.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sqlmodel import Session, col, select

from engine.codes.identifiers import resident_id_check_digit
from engine.registry.institutions import InstitutionValues, record_institution
from engine.registry.staff import (
    AppointmentValues,
    StaffValues,
    add_staff,
    appoint,
    end_appointment,
    record_training,
)
from engine.store.register_tables import AppointmentRow, HearingRoomRow

D = dt.date
REGISTERED = D(2020, 1, 1)
#: id, name, kind, parent, level, region, procedure, handles cases, case number prefix
DEMO_INSTITUTIONS: tuple[tuple[str, str, str, str | None, str, str, str | None, bool, str | None], ...] = (
    (
        "gx",
        "广西壮族自治区劳动人事争议仲裁委员会",
        "commission",
        None,
        "provincial",
        "450000",
        "guangxi",
        True,
        "桂",
    ),
    (
        "gx-nn",
        "南宁市劳动人事争议仲裁委员会",
        "commission",
        None,
        "prefectural",
        "450100",
        "guangxi",
        True,
        "南",
    ),
    (
        "gx-nn-y",
        "南宁市劳动人事争议仲裁院",
        "office",
        "gx-nn",
        "prefectural",
        "450100",
        "guangxi",
        True,
        None,
    ),
    (
        "gx-lz",
        "柳州市劳动人事争议仲裁委员会",
        "commission",
        None,
        "prefectural",
        "450200",
        "guangxi",
        True,
        "柳",
    ),
    (
        "gx-nn-qx",
        "南宁市青秀区劳动人事争议仲裁委员会",
        "commission",
        None,
        "county",
        "450103",
        "guangxi",
        True,
        "青",
    ),
    (
        "gx-nn-xxt",
        "南宁市西乡塘区劳动人事争议仲裁委员会",
        "commission",
        None,
        "county",
        "450107",
        "guangxi",
        True,
        "西",
    ),
    (
        "gx-lz-cz",
        "柳州市城中区劳动人事争议仲裁委员会",
        "commission",
        None,
        "county",
        "450202",
        "guangxi",
        False,
        "城",
    ),
    ("gd", "广东省劳动人事争议仲裁委员会", "commission", None, "provincial", "440000", None, True, "粤"),
    ("gd-sz", "深圳市劳动人事争议仲裁委员会", "commission", None, "prefectural", "440300", None, True, "深"),
    ("gd-gz", "广州市劳动人事争议仲裁委员会", "commission", None, "prefectural", "440100", None, True, "穗"),
    (
        "gd-sz-ft",
        "深圳市福田区劳动人事争议仲裁委员会",
        "commission",
        None,
        "county",
        "440304",
        None,
        True,
        "福",
    ),
    (
        "gd-sz-ns",
        "深圳市南山区劳动人事争议仲裁委员会",
        "commission",
        None,
        "county",
        "440305",
        None,
        True,
        "南山",
    ),
    (
        "gd-gz-th",
        "广州市天河区劳动人事争议仲裁委员会",
        "commission",
        None,
        "county",
        "440106",
        None,
        False,
        "天",
    ),
)
#: the tribunal the demo cases of an institution name (presiding, the other two, the clerk)
TRIBUNALS: dict[str, dict[str, Any]] = {
    "gx-nn": {"presiding_arbitrator": "黄志远", "arbitrators": ["韦丽娟", "蒙国强"], "clerk_name": "覃晓"},
    "gd-sz": {"presiding_arbitrator": "陈建华", "arbitrators": ["林晓燕", "何志明"], "clerk_name": "吴敏"},
}
#: the demo logins that are staff: username -> (institution, name, post)
LOGINS = {
    "arbitrator_nn": ("gx-nn", "黄志远", "arbitrator"),
    "clerk_nn": ("gx-nn", "覃晓", "clerk"),
    "director_nn": ("gx-nn", "蒙立新", "director"),
    "arbitrator_sz": ("gd-sz", "陈建华", "arbitrator"),
    "clerk_sz": ("gd-sz", "吴敏", "clerk"),
    "director_sz": ("gd-sz", "郑国平", "director"),
}
#: arbitrators, clerks per institution (a director each, but not offices); 60 people in all
_SIZES = {"gx": (3, 1), "gx-nn": (6, 2), "gx-lz": (3, 1), "gx-nn-qx": (3, 1), "gx-nn-xxt": (3, 1),
          "gx-lz-cz": (2, 0), "gd": (3, 1), "gd-sz": (6, 2), "gd-gz": (3, 1), "gd-sz-ft": (2, 1),
          "gd-sz-ns": (2, 0), "gd-gz-th": (1, 0)}  # fmt: skip
_SURNAMES = "李王张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段漕钱汤尹黎易常武乔贺赖龚文韦蒙覃"
_GIVEN = ("建国", "秀英", "志强", "丽华", "海燕", "国庆", "明辉", "晓红", "伟", "芳", "军", "敏", "静", "磊", "洋",
          "勇", "艳", "杰", "娟", "涛", "超", "霞", "平", "刚", "桂英", "文斌", "春梅", "宏伟", "玉兰", "振华")  # fmt: skip
_SPECIALTIES = (
    "labour_pay",
    "social_insurance",
    "contract_termination",
    "employment_relation",
    "labour_protection",
    "welfare",
)
_GROUNDS = ("former_judge", "legal_scholar", "hr_or_union_five_years", "lawyer_three_years")


def _id_number(region: str, born: dt.date, n: int, female: bool) -> str:
    seq = f"{(n * 2 + (0 if female else 1)) % 1000:03d}"
    first17 = f"{region}{born:%Y%m%d}{seq}"
    return first17 + resident_id_check_digit(first17)


def _people(rng: random.Random) -> dict[str, list[tuple[str, str]]]:
    """institution -> [(name, post)], the named demo people first."""
    out: dict[str, list[tuple[str, str]]] = {}
    used: set[str] = set()
    named: dict[str, list[tuple[str, str]]] = {inst: [] for inst in _SIZES}
    for inst, t in TRIBUNALS.items():
        named[inst] += [(t["presiding_arbitrator"], "arbitrator")] + [
            (a, "arbitrator") for a in t["arbitrators"]
        ]
        named[inst].append((t["clerk_name"], "clerk"))
    for inst, name, post in LOGINS.values():
        if (name, post) not in named[inst]:
            named[inst].append((name, post))
    used |= {n for people in named.values() for n, _ in people}
    for inst, (arbitrators, clerks) in _SIZES.items():
        people = list(named[inst])
        for post, count in (("arbitrator", arbitrators), ("clerk", clerks), ("director", 1)):
            while sum(p == post for _, p in people) < count:
                name = rng.choice(_SURNAMES) + rng.choice(_GIVEN)
                if name not in used:
                    used.add(name)
                    people.append((name, post))
        out[inst] = people
    return out


def seed_institutions(session: Session, today: dt.date) -> None:
    """Record the demo institutions and their hearing rooms (in the caller's transaction)."""
    rng = random.Random(2018)
    for iid, name, kind, parent, level, region, procedure, handles, prefix in DEMO_INSTITUTIONS:
        values = InstitutionValues(
            name=name, level=level, region_code=region, kind=kind, parent_id=parent, procedure_id=procedure,
            handles_cases=handles, case_number_prefix=prefix, address=f"{name.removesuffix('劳动人事争议仲裁委员会')}人力资源和社会保障局大楼",
            phone=f"0{'771' if region.startswith('45') else '755'}-{rng.randrange(2000000, 9000000)}",
        )  # fmt: skip
        record_institution(session, iid, values, REGISTERED, today=today)
        if kind == "commission" and handles:
            for room in ("第一仲裁庭", "第二仲裁庭", "网络仲裁庭"):
                session.add(
                    HearingRoomRow(
                        institution_id=iid,
                        name=room,
                        seats=20,
                        online=room.startswith("网络"),
                        valid_from=REGISTERED,
                    )
                )
    session.flush()


def seed_staff(session: Session, today: dt.date, user_ids: dict[str, int]) -> int:
    """Record the demo staff, linked to the demo logins (`user_ids`: username -> id); returns the count."""
    rng = random.Random(2020)
    regions = {iid: region for iid, _, _, _, _, region, _, _, _ in DEMO_INSTITUTIONS}
    logins = {(inst, name, post): user for user, (inst, name, post) in LOGINS.items()}
    count = 0
    for inst, people in _people(rng).items():
        for name, post in people:
            count += 1
            female = name[-1] in "英华燕红娟艳霞梅兰芳敏静晓"
            born = D(1965 + rng.randrange(25), 1 + rng.randrange(12), 1 + rng.randrange(28))
            user = logins.get((inst, name, post))
            person = add_staff(
                session,
                inst,
                StaffValues(
                    name=name,
                    gender="女" if female else "男",
                    id_number=_id_number(regions[inst], born, count, female),
                    phone=f"13{rng.randrange(100000000, 999999999)}",
                    user_id=user_ids.get(user) if user else None,
                ),
                today=today,
            )
            assert person.id is not None
            start = D(2022, 1, 1) if rng.random() < 0.6 else D(2024, 7, 1)
            appoint(
                session,
                person.id,
                AppointmentValues(
                    post=post,
                    term_from=start,
                    term_to=D(start.year + 5, start.month, 1) - dt.timedelta(days=1),  # 组织规则第二十四条: five years
                    full_time=post != "arbitrator" or rng.random() < 0.65,
                    qualification=rng.choice(_GROUNDS) if post == "arbitrator" else None,
                    title=rng.choice(("律师", "副教授", "高级经济师", "一级主任科员", "工会干部")) if post == "arbitrator" else None,
                    specialties=tuple(rng.sample(_SPECIALTIES, 2)) if post == "arbitrator" else (),
                ),
            )  # fmt: skip
            if post == "arbitrator":
                for year in (2025, 2026):
                    hours = rng.choice((8, 16, 24, 40))
                    while hours > 0:
                        chunk = min(hours, 16)
                        record_training(session, person.id, D(year, 3 + rng.randrange(8), 10), chunk, "仲裁员在职培训", "自治区人力资源和社会保障厅" if inst.startswith("gx") else "广东省人力资源和社会保障厅")  # fmt: skip
                        hours -= chunk
    # one arbitrator of Liuzhou left in 2025: the register keeps the appointment, the roster drops them
    session.flush()
    left = session.exec(
        select(AppointmentRow).where(AppointmentRow.institution_id == "gx-lz", AppointmentRow.post == "arbitrator").order_by(col(AppointmentRow.id))
    ).first()  # fmt: skip
    if left is not None and left.id is not None:
        end_appointment(session, left.id, D(2025, 7, 1))
    return count
