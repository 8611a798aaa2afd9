"""The public API: `import brouncker` keeps its names across moves of the modules behind it."""

import brouncker

PUBLIC = {
    "BANK", "BrounckerError", "Canonical", "ConjectureRecord", "Convergent", "Dynamics", "ESMAConfig", "ESMAResult",
    "Identification", "InconclusiveError", "Inflation", "LinearRecurrence", "MetricsRecord", "MoebiusMatch", "PCF",
    "PCFRecord", "PRecurrence", "ParseError", "Screening", "SearchSpec", "SpecError", "Store", "StoreError",
    "UnknownConstantError", "Verification", "berlekamp_massey", "berlekamp_massey_mod", "canonical", "confirm",
    "constant_value", "dynamics", "esma_search", "format_polynomial", "guess_p_recursive", "identify", "identify_pcf",
    "inflate", "load_spec", "make_executor", "match", "moebius_tables", "open_store", "parse", "parse_constant",
    "resume_search", "run_search", "screen", "signed_continued_fraction", "verify", "walk", "walk_checkpoints",
    "walk_sequential",
}


def test_every_public_name_is_kept_and_resolves():
    assert PUBLIC <= set(brouncker.__all__)
    for name in brouncker.__all__:
        assert getattr(brouncker, name) is not None, name


def test_the_public_api_still_does_mathematics():
    """Brouncker's own fraction, through the top-level names only: PCF(2n+1, n^2) = 4/pi."""
    pcf = brouncker.PCF(brouncker.parse("2n+1"), brouncker.parse("n^2"))
    assert brouncker.verify("2n+1", "n^2", "4/pi", digits=200).verdict == "verified"
    assert brouncker.identify_pcf("2n+1", "n^2", digits=30).expression == "4/pi"
    convergent = brouncker.walk(pcf.a, pcf.b, 3)
    assert (convergent.p * 40, convergent.q * 51) == (204 * 40, 160 * 51)  # 51/40, unreduced 204/160
    assert brouncker.canonical(brouncker.inflate(pcf, 3)).key == brouncker.canonical(pcf).key
