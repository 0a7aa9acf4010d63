"""Unit names as people write them resolve to one code; ambiguous names list the candidates."""

import unicodedata

import pytest

import gender_metrics as gm


def test_unit_table():
    u = gm.load_units()
    assert set(u.code[u.level == "district"]) == {str(c) for c in (436, 437, *range(439, 450))}
    assert len(u[u.level == "district"]) == 13
    assert len(u[u.level == "sector"]) == 13
    assert u.set_index("code").loc["42", "level"] == "province"
    assert u.set_index("code").loc["VN", "level"] == "national"


@pytest.mark.parametrize("text,code", [
    ("Huyện Kỳ Anh", "447"), ("H. Kỳ Anh", "447"), ("Thị xã Kỳ Anh", "449"), ("TX Kỳ Anh", "449"),
    ("tx.ky anh", "449"), ("TP Hà Tĩnh", "436"), ("Thành phố Hà Tĩnh", "436"), ("Tỉnh Hà Tĩnh", "42"),
    ("Hương Sơn", "439"), ("huong son", "439"), ("HUONG SON", "439"), ("Đức Thọ", "440"), ("duc tho", "440"),
    ("  Cẩm   Xuyên ", "446"), ("439", "439"), ("huong-son", "439"), ("Sở Y tế", "so-y-te"), ("so-y-te", "so-y-te"),
])
def test_resolves(text, code):
    assert gm.resolve_unit(text) == code


def test_nfd_input():
    nfd = unicodedata.normalize("NFD", "Huyện Hương Khê")
    assert nfd != unicodedata.normalize("NFC", nfd)
    assert gm.resolve_unit(nfd) == "444"


@pytest.mark.parametrize("text,codes", [("Kỳ Anh", ("447", "449")), ("Ky Anh", ("447", "449")),
                                        ("Hà Tĩnh", ("42", "436")), ("ha tinh", ("42", "436"))])
def test_ambiguous_names_list_candidates(text, codes):
    with pytest.raises(gm.UnitError) as err:
        gm.resolve_unit(text)
    msg = err.value.text("en")
    assert "ambiguous" in msg
    for c in codes:
        assert f"code {c}" in msg
    vi = str(err.value)  # Vietnamese by default
    assert "chưa rõ là đơn vị nào" in vi
    for c in codes:
        assert f"(mã {c})" in vi


def test_unknown_unit_suggests():
    with pytest.raises(gm.UnitError, match="Có phải là: .*Huyện Hương Sơn \\(mã 439\\)") as err:
        gm.resolve_unit("Huong Sonn")
    assert "Did you mean: " in err.value.text("en") and "Huong Son District (code 439)" in err.value.text("en")
    import pickle  # errors raised in worker processes cross process boundaries intact

    assert pickle.loads(pickle.dumps(err.value)).text("en") == err.value.text("en")
    assert issubclass(gm.UnitError, ValueError)
