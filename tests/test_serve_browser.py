"""`wordlab serve` in a real browser: headless Chromium (Debian's `chromium` + `chromium-driver`)
driven by Selenium opens the page, looks a word up and draws a map.

Screenshots are saved in the test's temporary folder (printed; `pytest -s` shows where). The test
skips, saying why, only when no browser or driver is installed.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from test_serve import TOPICS, topic_sentences, write_topic_vectors  # tests/ is on sys.path

from wordlab.serve.api import Api
from wordlab.serve.models import load_source, unique_names, warm
from wordlab.serve.scores import evaluate_models
from wordlab.serve.server import ExplorerServer
from wordlab.vectors import Vectors

WAIT = 30  # seconds any element may take to appear


def _browser() -> tuple[str, str]:
    """Paths of Chromium and its driver, or skip saying what is missing."""
    pytest.importorskip("selenium", reason="selenium is not installed (pip install selenium)")
    browser = next(
        (p for p in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser"),
                     shutil.which("google-chrome")) if p and Path(p).exists()),
        None,
    )  # fmt: skip
    driver = next(
        (
            p
            for p in ("/usr/bin/chromedriver", shutil.which("chromedriver"))
            if p and Path(p).exists()
        ),
        None,
    )
    if browser is None or driver is None:
        pytest.skip("no Chromium and chromedriver (apt-get install chromium chromium-driver)")
    return browser, driver


def _private_env(folder: Path) -> dict[str, str]:
    """The browser's environment: its home, caches and settings under the test's folder."""
    env = dict(os.environ)
    for name in ("HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        env[name] = str(folder / name.lower())
    return env


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """A server of two vectors files and a fastText model, and a headless Chromium on its page."""
    browser, driver_path = _browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    from wordlab import FastText

    folder = tmp_path_factory.mktemp("browser")
    write_topic_vectors(folder / "glove.txt", seed=0)
    write_topic_vectors(folder / "w2v.txt", seed=1)
    FastText(minn=3, maxn=4, bucket=4000, dim=12, epochs=3, min_count=1, threads=1, seed=1,
             progress=False).fit(topic_sentences()).save(folder / "ft.wordlab")  # fmt: skip
    paths = [str(folder / n) for n in ("glove.txt", "w2v.txt", "ft.wordlab")]
    models = [load_source(p, name=n) for p, n in zip(paths, unique_names(paths), strict=True)]
    for m in models:
        warm(m)
    sim, ana = folder / "sim.txt", folder / "ana.txt"
    sim.write_text("king queen 9\ncat dog 8\nred blue 7\nking cat 1\nparis red 2\n")
    ana.write_text(": capital\nfrance paris germany berlin\nitaly rome spain madrid\n")
    scores = evaluate_models(models, [str(sim)], [str(ana)])
    server = ExplorerServer("127.0.0.1", 0, Api(models, scores))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1500,1100", f"--user-data-dir={folder / 'profile'}"):  # fmt: skip
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        service = Service(driver_path, env=_private_env(folder))
        driver = webdriver.Chrome(options=options, service=service)
    except Exception as exc:  # a browser that is installed but cannot start here
        server.shutdown()
        server.server_close()
        pytest.skip(f"Chromium could not start: {str(exc).strip().splitlines()[0]}")
    driver.set_page_load_timeout(WAIT)
    driver.set_script_timeout(WAIT)
    try:
        driver.get(server.url)
        yield driver, {m.name: m for m in models}, scores
    finally:
        driver.quit()
        server.shutdown()
        server.server_close()
        thread.join(timeout=WAIT)


def _wait(driver, condition, what: str):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT, poll_frequency=0.1).until(condition, message=what)


def test_page_shows_neighbours_and_a_map(page, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.actions.wheel_input import ScrollOrigin
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver, models, _ = page
    _wait(driver, lambda d: "ready" in d.find_element(By.TAG_NAME, "body").get_attribute("class"),
          "the page never finished loading the models")  # fmt: skip
    assert len(driver.find_elements(By.CSS_SELECTOR, "#models li")) == 3

    # neighbours: type a word, press Enter; one column per model, each with its table
    box = driver.find_element(By.ID, "nn-word")
    box.clear()
    box.send_keys("king", Keys.ENTER)

    def tables(d):
        cols = d.find_elements(By.CSS_SELECTOR, "#nn-results .column")
        rows = [c.find_elements(By.CSS_SELECTOR, "table.neighbors tbody tr") for c in cols]
        return cols if len(cols) == 3 and all(len(r) == 10 for r in rows) else False

    columns = _wait(driver, tables, "the neighbours tables did not appear")
    for col in columns:
        name = col.get_attribute("data-model")
        shown = [a.text for a in col.find_elements(By.CSS_SELECTOR, "table.neighbors a.word")]
        expected = [w for w, _ in models[name].vectors.most_similar("king", topn=10)]
        assert shown == expected, name
    driver.save_screenshot(str(tmp_path / "explorer-neighbours.png"))

    # an unseen word: the fastText column answers from n-grams, the others say it is missing
    box = driver.find_element(By.ID, "nn-word")
    box.clear()
    box.send_keys("kingdoms", Keys.ENTER)
    _wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#nn-results .note")) == 3,
          "no notes for an unseen word")  # fmt: skip
    notes = {
        c.get_attribute("data-model"): c.find_element(By.CSS_SELECTOR, ".note").get_attribute(
            "class"
        )
        for c in driver.find_elements(By.CSS_SELECTOR, "#nn-results .column")
    }
    assert notes == {"glove.txt": "note missing", "w2v.txt": "note missing",
                     "ft.wordlab": "note subword"}  # fmt: skip

    # the map: a typed word list, one labelled SVG per model
    driver.find_element(By.CSS_SELECTOR, "[data-tab=map]").click()
    words = TOPICS["royal"] + TOPICS["place"] + TOPICS["animal"]
    area = driver.find_element(By.ID, "map-words")
    area.send_keys(" ".join(words))
    driver.find_element(By.ID, "map-go").click()

    def maps(d):
        svgs = d.find_elements(By.CSS_SELECTOR, "#map-results svg.map")
        counts = [len(s.find_elements(By.CSS_SELECTOR, "g.point")) for s in svgs]
        return svgs if len(svgs) == 3 and counts == [len(words)] * 3 else False

    svgs = _wait(driver, maps, "the maps did not appear")
    labels = [t.text for t in svgs[0].find_elements(By.CSS_SELECTOR, "g.point text")]
    assert labels == words
    # hover shows the word
    first = svgs[0].find_elements(By.CSS_SELECTOR, "g.point circle")[0]
    ActionChains(driver).move_to_element(first).perform()
    tip = _wait(driver, lambda d: d.find_element(By.ID, "tip").is_displayed()
                and d.find_element(By.ID, "tip"), "hovering a point shows nothing")  # fmt: skip
    hot = svgs[0].find_elements(By.CSS_SELECTOR, "g.point.hot text")  # the point under the mouse
    assert len(hot) == 1 and tip.text == f"{hot[0].text} · glove.txt"
    shot = tmp_path / "explorer-map.png"  # with the hover's tooltip showing
    driver.save_screenshot(str(shot))
    # the wheel zooms and a drag pans: the points move
    point = svgs[1].find_elements(By.CSS_SELECTOR, "g.point")[3]
    before = point.get_attribute("transform")
    ActionChains(driver).scroll_from_origin(ScrollOrigin.from_element(svgs[1]), 0, -300).perform()
    _wait(driver, lambda d: point.get_attribute("transform") != before, "the wheel did not zoom")
    zoomed = point.get_attribute("transform")
    ActionChains(driver).move_to_element_with_offset(svgs[1], 5, 5).click_and_hold().move_by_offset(
        60, 30
    ).release().perform()
    _wait(driver, lambda d: point.get_attribute("transform") != zoomed, "dragging did not pan")
    print(f"screenshots: {tmp_path / 'explorer-neighbours.png'} and {shot}")

    # nothing was blocked or failed in the page (a CSP violation or a script error is SEVERE)
    severe = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == []


def test_page_solves_an_analogy_and_compares_similarity(page):
    from selenium.webdriver.common.by import By

    driver, models, _ = page
    driver.find_element(By.CSS_SELECTOR, "[data-tab=analogy]").click()
    for box, word in (("an-a", "france"), ("an-b", "paris"), ("an-c", "germany")):
        driver.find_element(By.ID, box).clear()
        driver.find_element(By.ID, box).send_keys(word)
    driver.find_element(By.ID, "an-go").click()
    _wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#an-results table.answers")) == 3,
          "the analogy answers did not appear")  # fmt: skip
    col = driver.find_element(By.CSS_SELECTOR, "#an-results .column[data-model='glove.txt']")
    shown = [a.text for a in col.find_elements(By.CSS_SELECTOR, "a.word")]
    v: Vectors = models["glove.txt"].vectors
    assert shown == [w for w, _ in v.analogy("france", "paris", "germany", topn=10)]

    driver.find_element(By.CSS_SELECTOR, "[data-tab=similarity]").click()
    driver.find_element(By.ID, "sim-w1").send_keys("cat")
    driver.find_element(By.ID, "sim-w2").send_keys("dog")
    driver.find_element(By.ID, "sim-go").click()
    _wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#sim-results td.score")) == 3,
          "the similarity table did not appear")  # fmt: skip
    first = driver.find_element(By.CSS_SELECTOR, "#sim-results td.score").text
    assert first == f"{v.similarity('cat', 'dog'):.4f}"


def test_page_shows_the_evaluation_table(page):
    from selenium.webdriver.common.by import By

    driver, _, scores = page
    tab = driver.find_element(By.ID, "tab-evaluation")
    assert tab.is_displayed()
    tab.click()
    _wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#eval-results table.scores")) == 2,
          "the evaluation tables did not appear")  # fmt: skip
    sim, ana = driver.find_elements(By.CSS_SELECTOR, "#eval-results table.scores")
    rows = [[td.text for td in tr.find_elements(By.TAG_NAME, "td")]
            for tr in sim.find_elements(By.CSS_SELECTOR, "tbody tr")]  # fmt: skip
    expected = [[r["dataset"], r["model"], f"{r['spearman']:.4f}"] for r in scores["similarity"]]
    assert [[r[0], r[1], r[3]] for r in rows] == expected
    rows = [[td.text for td in tr.find_elements(By.TAG_NAME, "td")]
            for tr in ana.find_elements(By.CSS_SELECTOR, "tbody tr")]  # fmt: skip
    assert [r[1] for r in rows] == ["glove.txt", "w2v.txt", "ft.wordlab"]
    totals = [r["total"]["accuracy"] for r in scores["analogy"]]
    assert [r[5] for r in rows] == ["–" if t is None else f"{100 * t:.2f}%" for t in totals]
