"""Deterministic SAMPLE report forms (DỮ LIỆU MẪU) for every area and department of a review.

Nothing here is real data. The numbers are drawn (seeded) from the review's sample model, a YAML file the
review names (``sample:``; e.g. ``reviews/samples/tong-ket-2011-2020.yaml``): for each indicator the
areas report, a model and its magnitudes (births and the sex ratio at birth, rare events per birth,
term-based seats, shares of a denominator), for each department's own province figure another, plus the
units that send late or nothing and the cells left blank. The models are a registry (``AREA_MODELS``,
``PROVINCE_MODELS``); a review whose indicators the model file does not cover gets an error naming them.
Every form says "DỮ LIỆU MẪU" in its identification sheet, and every report made from it carries that label.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from ..reference import Reference, read_data_file
from .layout import SAMPLE_LABEL, layout_of
from .write import form_filename, write_form


class SampleModelError(ValueError):
    """A review without a sample model, or a model that cannot be used; the message names file and entry."""


def _leadership(code: str, name: str, strategy: str, seed: int) -> dict[str, str]:
    """How the unit led and organised the work (drawn from a generator of its own, seeded by the unit's
    code, so that the numbers of the sample do not depend on these texts)."""
    rng = np.random.default_rng([seed, *map(ord, code)])
    pick = lambda options: options[int(rng.integers(len(options)))]  # noqa: E731
    n_docs, n_training, n_people = (int(rng.integers(a, b)) for a, b in ((6, 19), (4, 16), (150, 900)))
    return {
        "lead_documents": pick([
            f"Giai đoạn {strategy}, {name} đã ban hành {n_docs} văn bản (kế hoạch, chương trình hành động, "
            "công văn hướng dẫn) để triển khai Chiến lược và các chương trình, đề án về bình đẳng giới hằng năm.",
            f"{name} ban hành kế hoạch thực hiện Chiến lược cho cả giai đoạn và {n_docs} kế hoạch, văn bản chỉ đạo "
            "hằng năm; lồng ghép nội dung bình đẳng giới vào kế hoạch phát triển kinh tế - xã hội.",
        ]),
        "lead_committee": pick([
            "Ban vì sự tiến bộ của phụ nữ được kiện toàn kịp thời khi có thay đổi nhân sự; ban hành quy chế hoạt "
            "động, phân công nhiệm vụ cho từng thành viên; họp định kỳ 6 tháng và cuối năm.",
            "Ban vì sự tiến bộ của phụ nữ được kiện toàn hai lần trong giai đoạn; thành viên chủ yếu kiêm nhiệm, "
            "hoạt động còn mang tính hình thức ở một số thời điểm.",
        ]),
        "lead_budget": pick([
            "Kinh phí thực hiện chủ yếu bố trí từ ngân sách địa phương trong dự toán chi thường xuyên hằng năm, "
            "lồng ghép với các chương trình mục tiêu; chưa có nguồn kinh phí riêng cho công tác bình đẳng giới.",
            "Ngoài ngân sách địa phương, đơn vị huy động thêm nguồn xã hội hóa và kinh phí lồng ghép từ các chương "
            "trình mục tiêu quốc gia để tổ chức các hoạt động truyền thông, tập huấn.",
        ]),
        "lead_communication": pick([
            "Tổ chức truyền thông nhân Tháng hành động vì bình đẳng giới và phòng ngừa, ứng phó với bạo lực trên "
            "cơ sở giới hằng năm; phát thanh trên hệ thống loa truyền thanh cơ sở, treo băng rôn, khẩu hiệu.",
            "Phối hợp với Hội Liên hiệp Phụ nữ tổ chức nói chuyện chuyên đề, sân khấu hóa về bình đẳng giới; "
            "đưa tin trên cổng thông tin điện tử và các trang mạng xã hội của đơn vị.",
        ]),
        "lead_training": (f"Tổ chức {n_training} lớp tập huấn, bồi dưỡng kiến thức về bình đẳng giới và lồng ghép giới "
                          f"cho khoảng {n_people} lượt cán bộ, thành viên Ban vì sự tiến bộ của phụ nữ và cộng tác viên."),
        "lead_inspection": pick([
            "Lồng ghép kiểm tra việc thực hiện pháp luật về bình đẳng giới trong các đợt kiểm tra liên ngành; "
            "chưa phát hiện vi phạm phải xử lý.",
            "Công tác kiểm tra, giám sát chưa được thực hiện thường xuyên; chủ yếu qua báo cáo của cơ sở.",
        ]),
    }


def _texts(rng: np.random.Generator, name: str, strategy: str, code: str, seed: int) -> dict[str, str]:
    pick = lambda options: options[int(rng.integers(len(options)))]  # noqa: E731
    return {
        **_leadership(code, name, strategy, seed),
        "results": pick([
            f"Giai đoạn {strategy}, cấp ủy, chính quyền {name} đã quan tâm lãnh đạo, chỉ đạo công tác bình đẳng giới; "
            "tỷ lệ nữ tham gia cấp ủy và Hội đồng nhân dân từng bước được nâng lên, phụ nữ được tạo điều kiện "
            "tiếp cận việc làm, vay vốn và đào tạo nghề.",
            f"{name} đã lồng ghép mục tiêu bình đẳng giới vào kế hoạch phát triển kinh tế - xã hội hằng năm; "
            "công tác truyền thông được đẩy mạnh trên hệ thống truyền thanh cơ sở, nhận thức của người dân về "
            "bình đẳng giới có chuyển biến rõ nét.",
            "Các chỉ tiêu về y tế, giáo dục và hỗ trợ nạn nhân bạo lực gia đình cơ bản đạt kế hoạch; "
            "mô hình câu lạc bộ gia đình phát triển bền vững được nhân rộng ở nhiều xã.",
        ]),
        "shortcomings": pick([
            "Tỷ số giới tính khi sinh còn ở mức cao; tỷ lệ cơ quan, đơn vị có lãnh đạo chủ chốt là nữ chưa đạt "
            "mục tiêu; số liệu thống kê phân tách theo giới ở cấp xã còn thiếu và chưa đồng bộ.",
            "Một số chỉ tiêu chưa đạt, nhất là tỷ lệ nữ đại biểu Hội đồng nhân dân và tỷ lệ lao động nữ nông thôn "
            "được đào tạo nghề; công tác kiểm tra, giám sát chưa thường xuyên.",
        ]),
        "causes_objective": pick([
            "Địa bàn rộng, điều kiện kinh tế còn nhiều khó khăn; kinh phí dành cho công tác bình đẳng giới hạn chế; "
            "ảnh hưởng của thiên tai, dịch bệnh Covid-19 năm 2020.",
            "Tư tưởng trọng nam hơn nữ vẫn tồn tại trong một bộ phận nhân dân; cán bộ làm công tác bình đẳng giới "
            "chủ yếu kiêm nhiệm, thường xuyên thay đổi.",
        ]),
        "causes_subjective": pick([
            "Một số cấp ủy, chính quyền cơ sở chưa thực sự quan tâm; việc quy hoạch, đào tạo cán bộ nữ chưa được "
            "chú trọng đúng mức.",
            "Sự phối hợp giữa các ngành, đoàn thể chưa chặt chẽ; chế độ báo cáo, thống kê chưa nghiêm.",
        ]),
        "lessons": pick([
            "Phải có sự lãnh đạo, chỉ đạo sát sao của cấp ủy, chính quyền; người đứng đầu phải gương mẫu, "
            "chịu trách nhiệm về kết quả thực hiện.",
            "Cần lồng ghép bình đẳng giới vào các chương trình, đề án của địa phương và bố trí đủ kinh phí.",
            "Làm tốt công tác truyền thông, phát huy vai trò của Hội Liên hiệp Phụ nữ và người có uy tín "
            "trong cộng đồng.",
        ]),
        "recommendations": pick([
            "Đề nghị tỉnh bố trí kinh phí riêng cho công tác bình đẳng giới; tổ chức tập huấn nghiệp vụ "
            "cho cán bộ cấp xã.",
            "Đề nghị ban hành bộ chỉ tiêu thống kê giới cấp huyện, cấp xã và hướng dẫn thu thập số liệu.",
        ]),
    }


# --------------------------------------------------------------------------- the model, as data
@dataclass(frozen=True)
class SampleModel:
    """A review's sample model (see the module docstring); ``areas`` and ``province`` keep the file's order."""

    path: Path
    seed: int
    period: str
    population: tuple[int, int]
    blanks: int
    late: dict
    missing: tuple[str, ...]
    births: dict
    areas: list = field(default_factory=list)
    province: list = field(default_factory=list)


def load_model(ref: Reference) -> SampleModel:
    """The review's sample model, checked against the indicators its forms carry."""
    r = ref.review
    if r.sample_file is None:
        raise SampleModelError(f"no sample model for review {r.name!r}: its file {r.path.name} names none (key "
                               "'sample', a YAML file like reviews/samples/tong-ket-2011-2020.yaml)")
    path = r.sample_file
    doc = read_data_file(path)

    def fail(entry, msg):
        raise SampleModelError(f"{path.name}, {entry}: {msg}")

    for key in ("seed", "births", "areas"):
        if key not in doc:
            fail(f"key {key!r}", "missing")
    areas, province = list(doc.get("areas") or []), list(doc.get("province") or [])
    for where, items, registry in (("areas", areas, AREA_MODELS), ("province", province, PROVINCE_MODELS)):
        for i, e in enumerate(items):
            if not isinstance(e, dict) or e.get("model") not in registry:
                fail(f"{where} entry {i + 1} ({(e or {}).get('id')!r})",
                     f"unknown model {(e or {}).get('model')!r}; expected one of {sorted(registry)}")
    judged = ref.judged
    modelled = {str(e["id"]) for e in areas}
    at_area = set(judged.index[judged.district_level.astype(bool)])
    lacking = sorted(at_area - modelled)
    if lacking:
        fail("key 'areas'", f"no model for the indicators the {ref.units.area_label('en')} report: {lacking} "
             f"(the sample generator draws only what this file models)")
    own = {str(e["id"]) for e in province}
    lay = layout_of(ref)
    needed = {i for c in ref.units.sectors for i in lay.indicators_for(c).id} - at_area
    lacking = sorted(needed - own)
    if lacking:
        fail("key 'province'", f"no model for the departments' province-level indicators {lacking}")
    unknown = sorted((modelled | own) - set(judged.index))
    if unknown:
        fail("keys 'areas' and 'province'", f"{unknown} are not {r.strategy} indicators of the catalogue")
    units = set(ref.units.reporting)
    late, missing = dict(doc.get("late") or {}), tuple(str(c) for c in doc.get("missing") or ())
    bad = sorted((set(map(str, late)) | set(missing)) - units)
    if bad:
        fail("keys 'late' and 'missing'", f"{bad} are not reporting units of {r.units_file.name}")
    lo, hi = doc.get("population") or (0, 0)
    return SampleModel(path, int(doc["seed"]), str(doc.get("period") or r.strategy), (int(lo), int(hi)),
                       int(doc.get("blanks", 0)), {str(k): int(v) for k, v in late.items()}, missing,
                       dict(doc["births"]), areas, province)


# --------------------------------------------------------------------------- the models of one area
def _births(c) -> None:
    b = c.model.births
    c.births = np.round(c.pop * b["rate"] * (1 + b.get("growth", 0.0) * (c.years - c.first))
                        * c.rng.uniform(*b["noise"], c.n)).astype(int)


def _srb(e, c, v) -> None:
    """Boys and girls of the area's births, the sex ratio around ``level`` (+ ``perf`` × performance, a ramp, noise)."""
    srb = e["level"] + e.get("perf", 0.0) * c.perf + c.ramp(*e["ramp"]) + c.rng.normal(0, e["sd"], c.n)
    boys = c.rng.binomial(c.births, srb / (100 + srb))
    for y, b, n in zip(c.YEARS, boys, c.births, strict=True):
        v[(e["id"], "num", y)], v[(e["id"], "den", y)] = int(b), int(n - b)


def _events(e, c, v) -> None:
    """Rare events per birth (Poisson): ``rate`` falling by ``decline`` a year, or a ``ramp`` of rates."""
    mean = (c.births * e["rate"] * (1 - e.get("decline", 0.0) * (c.years - c.first)) if "rate" in e
            else c.births * c.ramp(*e["ramp"]))
    for y, k, n in zip(c.YEARS, c.rng.poisson(mean), c.births, strict=True):
        v[(e["id"], "num", y)], v[(e["id"], "den", y)] = int(k), int(n)


def _term(e, c, v) -> None:
    """Seats of an elected body in its election years (the catalogue's), a share per term."""
    for y, s in zip(c.ref.judged.election_years[e["id"]], e["shares"], strict=True):
        n = int(c.rng.integers(*e["seats"]))
        v[(e["id"], "num", y)], v[(e["id"], "den", y)] = int(c.rng.binomial(n, min(e.get("cap", 0.95),
                                                                                s + e.get("perf", 0.03) * c.perf))), n


def _denominator(of: dict, c) -> np.ndarray:
    (kind, x), = of.items()
    if kind == "fixed":
        return np.full(c.n, int(c.rng.integers(*x)))
    if kind == "births":
        return np.round(c.births * x).astype(int)
    if kind == "poisson":
        return c.rng.poisson(x, c.n)
    if kind == "per_100k":
        return np.round(x * c.pop / 1e5 * c.rng.uniform(0.9, 1.1, c.n)).astype(int)
    raise SampleModelError(f"unknown denominator {kind!r}; expected fixed, births, poisson or per_100k")


def _share(e, c, v) -> None:
    """A share of a denominator (``of``: a fixed count, births × factor, Poisson, per 100,000 people)."""
    p = np.clip(c.ramp(*e["ramp"]) + e.get("perf", 0.03) * c.perf + c.rng.normal(0, e.get("sd", 0.015), c.n), 0.01, 1.0)
    n = _denominator(e["of"], c)
    for y, k, nn in zip(c.YEARS, c.rng.binomial(n, p), n, strict=True):
        v[(e["id"], "num", y)], v[(e["id"], "den", y)] = int(k), int(nn)


AREA_MODELS = {"srb": _srb, "events": _events, "term": _term, "share": _share}


# --------------------------------------------------------------------------- a department's own figures
def _share_ramp(e, c, v) -> None:
    n = np.round(c.ramp(*e["n"])).astype(int)
    for y, nn, kk in zip(c.YEARS, n, c.rng.binomial(n, c.ramp(*e["ramp"])), strict=True):
        v[(e["id"], "num", y)], v[(e["id"], "den", y)] = int(kk), int(nn)


def _value_ramp(e, c, v) -> None:
    skip = int(e.get("skip", 0))
    for y, x in zip(c.YEARS[skip:], c.ramp(*e["ramp"])[skip:] + c.rng.normal(0, e["sd"], c.n - skip), strict=True):
        v[(e["id"], "value", y)] = round(float(max(x, 0)), 1)


def _values(e, c, v) -> None:
    for y, x in e["at"].items():
        v[(e["id"], "value", int(y))] = x


def _share_random_n(e, c, v) -> None:
    n = c.rng.integers(*e["n"], c.n)
    for y, nn, kk in zip(c.YEARS, n, c.rng.binomial(n, c.ramp(*e["ramp"])), strict=True):
        v[(e["id"], "num", y)], v[(e["id"], "den", y)] = int(kk), int(nn)


PROVINCE_MODELS = {"share_ramp": _share_ramp, "value_ramp": _value_ramp, "values": _values,
                   "share_random_n": _share_random_n}


def _context(ref: Reference, model: SampleModel, rng: np.random.Generator) -> SimpleNamespace:
    r = ref.review
    years = np.array(r.years)
    span = r.last_year - r.first_year

    def ramp(a: float, b: float) -> np.ndarray:
        return a + (b - a) * ((years - r.first_year) / span)
    return SimpleNamespace(ref=ref, model=model, rng=rng, YEARS=r.years, years=years, first=r.first_year,
                           n=len(years), ramp=ramp, pop=np.nan, perf=0.0, births=None)


def area_values(c: SimpleNamespace) -> dict:
    """One area's sample values, (indicator, part, year) -> value, drawn in the model's order."""
    v: dict = {}
    _births(c)
    for e in c.model.areas:
        AREA_MODELS[e["model"]]({**e, "id": str(e["id"])}, c, v)
    return v


def _province_values(c: SimpleNamespace, ind_ids: list[str], totals: dict) -> dict:
    own = {str(e["id"]): e for e in c.model.province}
    v: dict = {}
    for ind in ind_ids:
        if ind in own:
            PROVINCE_MODELS[own[ind]["model"]]({**own[ind], "id": ind}, c, v)
        else:  # an area-level indicator: the department reports the province total
            for (i, part, y), x in totals.items():
                if i == ind:
                    v[(i, part, y)] = x
    return v


def _blank_some(rng: np.random.Generator, values: dict, k: int) -> None:
    keys = sorted(k_ for k_ in values if k_[1] in ("num", "den"))
    for i in rng.choice(len(keys), size=k, replace=False):
        values.pop(keys[int(i)], None)


def generate_sample(out_dir: Path | str, seed: int | None = None, *, reference: Reference | None = None,
                    only: set[str] | None = None) -> list[Path]:
    """Write the sample forms (one per area and department, but those the model says send nothing) into
    ``out_dir``, from the review's sample model (``seed``: another seed than the model's). ``only``: write
    the forms of these units only (every number is drawn all the same, so the forms written are those of
    the whole sample: several processes can share the writing)."""
    from ..reference import load_reference

    ref = reference or load_reference()
    model = load_model(ref)
    lay = layout_of(ref)
    dl = ref.review.deadline

    def submitted(code: str, rng) -> dt.datetime:
        if code in model.late:
            day = dl + dt.timedelta(days=model.late[code])
        else:  # a unit meant to be on time is, whichever way the deadline is read
            day = dl + dt.timedelta(days=int(rng.integers(-4, 1)))
            day = day if ref.review.on_time(day) else day - dt.timedelta(days=1)
        return dt.datetime.combine(day, dt.time())

    def ident(code: str, rng) -> dict:
        return {"person": "Cán bộ phụ trách (mẫu)", "phone": "0239 000 000", "submitted": submitted(code, rng),
                "data_kind": SAMPLE_LABEL}

    rng = np.random.default_rng(model.seed if seed is None else seed)
    c = _context(ref, model, rng)
    out_dir = Path(out_dir)
    units = ref.units.table
    written, totals = [], {}
    for u in units[units.level == ref.units.area_level].itertuples():
        c.pop = float(u.population_2019 if u.population_2019 == u.population_2019 and u.population_2019 is not None
                      else float(rng.integers(*model.population)))
        c.perf = float(rng.normal(0, 1))
        values = area_values(c)
        for key, x in values.items():
            totals[key] = totals.get(key, 0) + x
        if u.code in model.missing:   # it sends nothing; the department still knows the province's totals
            continue
        if only is not None and u.code not in only:   # drawn as for the whole sample, written elsewhere
            _blank_some(rng, values, model.blanks)
            _proposals(ref, rng, u.code)
            ident(u.code, rng)
            _texts(rng, "", model.period, u.code, model.seed)
            continue
        _blank_some(rng, values, model.blanks)
        name = f"{u.type_vi} {u.name_vi}"
        targets = _proposals(ref, rng, u.code)
        who = ident(u.code, rng)
        written.append(write_form(u.code, out_dir / form_filename(ref, u.code), reference=ref, values=values,
                                  targets=targets, texts=_texts(rng, name, model.period, u.code, model.seed), ident=who))
    for s in units[units.level == "sector"].itertuples():
        if s.code in model.missing:
            continue
        values = _province_values(c, list(lay.indicators_for(s.code).id), totals)
        who = ident(s.code, rng)
        if only is not None and s.code not in only:
            _proposals(ref, rng, s.code)
            _texts(rng, "", model.period, s.code, model.seed)
            continue
        written.append(write_form(s.code, out_dir / form_filename(ref, s.code), reference=ref, values=values,
                                  targets=_proposals(ref, rng, s.code), texts=_texts(rng, s.name_vi, model.period, s.code, model.seed),
                                  ident=who))
    return written


def _proposals(ref: Reference, rng: np.random.Generator, code: str) -> dict:
    tg = ref.next_targets.set_index(["id", "year"])
    out = {}
    for ind in layout_of(ref).indicators_for(code, ref.review.feasibility_strategy).itertuples():
        for year in ref.review.feasibility_years:
            if (ind.id, year) not in tg.index:
                continue
            t = tg.loc[(ind.id, year)].value
            # most units copy the national target; some propose a weaker or a stronger one
            shift = float(rng.choice([0, 0, 0, 1, -1]))
            step = 2 if ind.unit != "%" else 5
            weaker = shift * step * (1 if ind.direction in ("ceiling", "decrease") else -1)
            out[(ind.id, year)] = round(min(t + weaker, 100) if ind.unit == "%" else t + weaker, 1)
    return out
