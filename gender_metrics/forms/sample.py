"""Deterministic SAMPLE report forms (DỮ LIỆU MẪU) for every district and department of the 2011-2020 review.

Nothing here is real data. The numbers are drawn (seeded) around plausible magnitudes so that the
whole pipeline can be exercised: district births about 1,000-2,500 a year, People's Council seats in
the tens, a sex ratio at birth above 112 (the province was in the Ministry of Health's group above
112) with district spread, a few missing cells, one department that is late (Sở Giáo dục và Đào tạo)
and one that sends nothing (Sở Tư pháp). Every form says "DỮ LIỆU MẪU" in its identification sheet,
and every report made from it carries that label.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from ..reference import Reference
from .layout import SAMPLE_LABEL, layout_of
from .write import form_filename, write_form

SEED = 2021
LATE_SECTOR = "so-gddt"
MISSING_SECTOR = "so-tu-phap"
LATE_DISTRICT = "441"

# district model: indicator -> (denominator per 100,000 people or fixed range, share 2010, share 2020)
_SHARES = {
    "1.2": ((24, 34), 0.45, 0.82), "1.3": ((10, 16), 0.55, 0.90), "2.1": ("jobs", 0.45, 0.47),
    "2.2": ("firms", 0.20, 0.27), "2.3": ("rural", 0.12, 0.46), "2.4": ("poor", 0.74, 0.97),
    "3.1": ("women", 0.955, 0.988), "4.3": ("preg", 0.15, 0.72), "5.2": ((14, 28), 0.50, 0.98),
    "6.2a": ("dv", 0.33, 0.70), "6.2b": ("dv", 0.55, 0.80), "6.3": ("traf", 0.90, 1.0),
    "7.2": ((26, 34), 0.70, 0.98), "7.3": ((30, 50), 0.48, 0.92),
}
_SCALE = {"jobs": 2000, "firms": 320, "rural": 11000, "poor": 900, "women": 31000, "dv": 40}


def _leadership(code: str, name: str, strategy: str) -> dict[str, str]:
    """How the unit led and organised the work (drawn from a generator of its own, seeded by the unit's
    code, so that the numbers of the sample do not depend on these texts)."""
    rng = np.random.default_rng([SEED, *map(ord, code)])
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


def _texts(rng: np.random.Generator, name: str, strategy: str, code: str) -> dict[str, str]:
    pick = lambda options: options[int(rng.integers(len(options)))]  # noqa: E731
    return {
        **_leadership(code, name, strategy),
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


class _Model:
    """The review's years, as the sample model uses them."""

    def __init__(self, ref: Reference):
        r = ref.review
        self.ref, self.YEARS, self.first, self.span = ref, r.years, r.first_year, r.last_year - r.first_year

    def ramp(self, a: float, b: float) -> np.ndarray:
        t = (np.array(self.YEARS) - self.first) / self.span
        return a + (b - a) * t


def _district_values(m: _Model, rng: np.random.Generator, pop: float, perf: float) -> dict:
    v: dict = {}
    YEARS, _ramp = m.YEARS, m.ramp
    years = np.array(YEARS)
    # births, sex ratio at birth around 114 with district spread, maternal deaths, abortions
    births = np.round(pop * 0.0155 * (1 + 0.01 * (years - m.first)) * rng.uniform(0.92, 1.08, len(years))).astype(int)
    srb = 114.5 - 1.2 * perf + _ramp(1.0, -1.0) + rng.normal(0, 0.6, len(years))
    boys = rng.binomial(births, srb / (100 + srb))
    for y, b, n in zip(YEARS, boys, births, strict=True):
        v[("4.1", "num", y)], v[("4.1", "den", y)] = int(b), int(n - b)
    deaths = rng.poisson(births * 62e-5 * (1 - 0.03 * (years - m.first)))
    abortions = rng.poisson(births * _ramp(0.29, 0.23))
    for y, d, a, n in zip(YEARS, deaths, abortions, births, strict=True):
        v[("4.2", "num", y)], v[("4.2", "den", y)] = int(d), int(n)
        v[("4.4", "num", y)], v[("4.4", "den", y)] = int(a), int(n)
    # term-based indicators: values in their election years only
    terms = m.ref.judged.election_years
    for ind, years_, lo, hi, share in (("1.1a", terms["1.1a"], 33, 45, (0.15, 0.21)),
                                       ("1.1b", terms["1.1b"], 28, 40, (0.25, 0.31))):
        for y, s in zip(years_, share, strict=True):
            n = int(rng.integers(lo, hi))
            v[(ind, "num", y)], v[(ind, "den", y)] = int(rng.binomial(n, min(0.95, s + 0.03 * perf))), n
    for ind, (scale, a, b) in _SHARES.items():
        p = np.clip(_ramp(a, b) + 0.03 * perf + rng.normal(0, 0.015, len(years)), 0.01, 1.0)
        if isinstance(scale, tuple):
            n = np.full(len(years), int(rng.integers(*scale)))
        elif scale == "preg":
            n = np.round(births * 1.08).astype(int)
        elif scale == "traf":
            n = rng.poisson(0.9, len(years))
        else:
            n = np.round(_SCALE[scale] * pop / 1e5 * rng.uniform(0.9, 1.1, len(years))).astype(int)
        k = rng.binomial(n, p)
        for y, kk, nn in zip(YEARS, k, n, strict=True):
            v[(ind, "num", y)], v[(ind, "den", y)] = int(kk), int(nn)
    return v


def _blank_some(rng: np.random.Generator, values: dict, k: int) -> None:
    keys = sorted(k_ for k_ in values if k_[1] in ("num", "den"))
    for i in rng.choice(len(keys), size=k, replace=False):
        values.pop(keys[int(i)], None)


def _province_values(m: _Model, rng: np.random.Generator, ind_ids: list[str], totals: dict) -> dict:
    v: dict = {}
    YEARS, _ramp, r = m.YEARS, m.ramp, m.ref.review
    for ind in ind_ids:
        if ind in ("3.2", "3.3"):
            n = np.round(_ramp(800, 2500) if ind == "3.2" else _ramp(40, 120)).astype(int)
            p = _ramp(0.36, 0.47) if ind == "3.2" else _ramp(0.15, 0.23)
            for y, nn, kk in zip(YEARS, n, rng.binomial(n, p), strict=True):
                v[(ind, "num", y)], v[(ind, "den", y)] = int(kk), int(nn)
        elif ind == "5.1":
            for y, x in zip(YEARS[1:], _ramp(0, 72)[1:] + rng.normal(0, 2, 10), strict=True):
                v[(ind, "value", y)] = round(float(max(x, 0)), 1)
        elif ind == "6.1":
            for y, x in ((r.first_year, 2.3), (r.milestones[0], 2.0), (r.final - 1, 1.8)):
                v[(ind, "value", y)] = x
        elif ind == "7.1":
            n = rng.integers(10, 25, len(YEARS))
            for y, nn, kk in zip(YEARS, n, rng.binomial(n, _ramp(0.5, 0.9)), strict=True):
                v[(ind, "num", y)], v[(ind, "den", y)] = int(kk), int(nn)
        else:  # a district-level indicator: the department reports the province total
            for (i, part, y), x in totals.items():
                if i == ind:
                    v[(i, part, y)] = x
    return v


MODEL_INDICATORS = {"1.1a", "1.1b", "3.2", "3.3", "4.1", "4.2", "4.4", "5.1", "6.1", "7.1", *_SHARES}


def generate_sample(out_dir: Path | str, seed: int = SEED, *, reference: Reference | None = None) -> list[Path]:
    """Write the sample forms (one per district and department but one) into ``out_dir``."""
    from ..reference import load_reference

    ref = reference or load_reference()
    missing = MODEL_INDICATORS - set(ref.judged.index)
    if missing or LATE_SECTOR not in ref.units.sectors:
        raise ValueError(f"no sample model for review {ref.review.name!r}: the sample generator draws the "
                         f"indicators of the 2011-2020 strategy (missing here: {sorted(missing)})")
    m = _Model(ref)
    lay = layout_of(ref)
    dl = ref.review.deadline

    def on_time(day: int) -> int:  # a unit meant to be on time is, whichever way the deadline is read
        return day if ref.review.on_time(dl.replace(day=day)) else day - 1
    rng = np.random.default_rng(seed)
    out_dir = Path(out_dir)
    units = ref.units.table
    written, totals = [], {}
    for u in units[units.level == ref.units.area_level].itertuples():
        pop = u.population_2019 if u.population_2019 == u.population_2019 else float(rng.integers(60_000, 180_000))
        values = _district_values(m, rng, float(pop), float(rng.normal(0, 1)))
        for key, x in values.items():
            totals[key] = totals.get(key, 0) + x
        _blank_some(rng, values, 3)
        name = f"{u.type_vi} {u.name_vi}"
        targets = _proposals(ref, rng, u.code)
        day = dl.day + 3 if u.code == LATE_DISTRICT else on_time(int(rng.integers(dl.day - 4, dl.day + 1)))
        ident = {"person": "Cán bộ phụ trách (mẫu)", "phone": "0239 000 000",
                 "submitted": dt.datetime(dl.year, dl.month, day), "data_kind": SAMPLE_LABEL}
        written.append(write_form(u.code, out_dir / form_filename(ref, u.code), reference=ref, values=values,
                                  targets=targets, texts=_texts(rng, name, ref.review.strategy, u.code), ident=ident))
    for s in units[units.level == "sector"].itertuples():
        if s.code == MISSING_SECTOR:
            continue
        ids = list(lay.indicators_for(s.code).id)
        values = _province_values(m, rng, ids, totals)
        day = dl.day + 5 if s.code == LATE_SECTOR else on_time(int(rng.integers(dl.day - 4, dl.day + 1)))
        ident = {"person": "Cán bộ phụ trách (mẫu)", "phone": "0239 000 000",
                 "submitted": dt.datetime(dl.year, dl.month, day), "data_kind": SAMPLE_LABEL}
        written.append(write_form(s.code, out_dir / form_filename(ref, s.code), reference=ref, values=values,
                                  targets=_proposals(ref, rng, s.code), texts=_texts(rng, s.name_vi, ref.review.strategy, s.code), ident=ident))
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
