"""Deterministic synthetic corpora for the benchmark.

``write_gongshi(scale, dest)`` writes a complete Gongshi project (mkdocs.yml,
a link to the repo's theme, content/data/*.yml valid per docs/data-formats.md
and content/bulletins/*.md). ``write_material_blog`` and ``write_hugo`` write
the comparison projects with the same Markdown bodies, ``n`` posts each.

Everything comes from ``random.Random(SEED)`` and fixed phrase banks, so the
same scale always gives byte-identical files: timings from two runs compare
like with like.
"""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEED = 20261129
TODAY = date(2026, 11, 29)


@dataclass(frozen=True)
class Scale:
    name: str
    communities: int
    buildings: int
    bulletins: int
    activities: int
    lectures: int


SCALES = {
    # S is the shipped sample content, copied as is.
    "S": Scale("S", 0, 0, 0, 0, 0),
    "M": Scale("M", 1, 60, 300, 1500, 24),
    "L": Scale("L", 26, 2000, 5000, 10000, 300),
}

# --- phrase banks: plain community-science Chinese -------------------------

TOPICS = [
    ("冬季用电用气安全", "家里的电热毯、取暖器和燃气灶，冬天用得最多，也最容易出事"),
    ("老年人防跌倒", "跌倒是老年人意外受伤的第一位原因，多数发生在家里"),
    ("识别电信诈骗", "冒充客服、冒充公检法、保健品推销，骗子的话术年年翻新"),
    ("垃圾分类与低碳生活", "厨余垃圾、可回收物、有害垃圾，分对了既省事又环保"),
    ("高血压的家庭管理", "血压要天天量、药要按时吃，饮食少盐是关键"),
    ("地震和火灾的避险", "遇到险情先保命，熟悉楼道和安全出口比什么都重要"),
    ("智能手机入门", "挂号、缴费、视频通话，学会几个常用功能，生活方便很多"),
    ("儿童科学小实验", "用厨房里的醋、小苏打和气球，就能让孩子看到化学反应"),
    ("合理膳食与营养", "一日三餐怎么搭配，粗细粮、荤素菜各吃多少合适"),
    ("节约用水小窍门", "洗菜水浇花、淘米水擦地，一家人一年能省下不少水费"),
    ("职业技能培训", "家政、面点、电工，社区培训班帮助居民学一门手艺"),
    ("科普志愿服务", "大学生志愿者走进楼栋，为老人讲解健康和安全知识"),
]
SENTENCES = [
    "社区科普活动站的工作人员提前一周把通知贴到了每个楼门的公示栏上，网格员也在微信群里做了提醒。",
    "活动当天上午，不少居民早早来到现场，有的老人还带上了笔记本，把专家讲的要点一条条记下来。",
    "主讲专家用通俗的语言和身边的例子讲解，讲到关键处还请居民上台一起动手演示，现场气氛十分热烈。",
    "志愿者们分成几个小组，在现场为行动不便的老人引座、倒水，并帮助大家填写意见反馈表。",
    "据统计，本次活动共有一百二十多名居民参加，发放科普资料三百余份，现场解答居民提问四十多个。",
    "社区负责人表示，今后还将结合居民的需要，每月安排一到两次类似的活动，让科学知识走进千家万户。",
    "一位七十多岁的居民说，以前总觉得科学离自己很远，现在才知道，日常生活里处处都有科学的道理。",
    "网格员逐户走访了独居老人，把活动的要点讲给没能到场的居民听，并留下了联系电话方便随时咨询。",
    "活动结束后，工作人员把讲座的课件和录像整理好，放在社区科普活动站，居民可以随时借阅观看。",
    "科普学校的老师提醒大家，遇到拿不准的问题，可以拨打社区值班电话，或者到活动站当面询问。",
    "区科协的同志到现场指导，对社区把科普工作做到楼门口、做到居民身边的做法给予了充分肯定。",
    "不少年轻的父母带着孩子一起参加，孩子们对演示实验特别感兴趣，围在桌子旁边久久不愿离开。",
    "为了方便上班族，社区把部分场次安排在周末和晚上，并在楼门公示栏上标明了时间和地点。",
    "居民们纷纷表示，这样的活动实实在在，既学到了知识，又认识了不少邻居，希望以后多办一些。",
]
SECTION_HEADS = ["一、活动的由来", "二、活动的主要内容", "三、居民的反响", "四、下一步的安排"]
COLUMNS = ("kexie", "shequ", "zhiyuan", "tongzhi")
KINDS = ("讲座", "义诊", "培训", "演练", "健身", "展览", "宣传", "志愿服务", "文艺", "防灾减灾")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "明华立群建国秀英志强丽娟海燕文军晓红"
ESTATE_NAMES = "桂园 湖滨 科苑 云湖 柳岸 杏林 翠竹 梧桐 东湖 南湖 紫阳 长青 锦绣 和平 幸福 阳光 青山 水岸 春华 秋实".split()
COMMUNITY_NAMES = "桂园 柳岸 湖滨 科苑 云湖 杏林 翠竹 梧桐 东湖 南湖 紫阳 长青 锦绣 和平 幸福 阳光 青山 水岸 春华 秋实 金桥 银河 星光 晨曦 芳草 清泉".split()
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def article_body(rng: random.Random, topic: tuple[str, str], chars: int = 1500) -> str:
    """About ``chars`` Chinese characters in four numbered sections."""
    name, lead = topic
    parts: list[str] = []
    per_section = chars // len(SECTION_HEADS)
    for head in SECTION_HEADS:
        parts.append(f"## {head}\n")
        text = f"{lead}。" if head == SECTION_HEADS[0] else ""
        while len(text) < per_section:
            para = "".join(rng.sample(SENTENCES, 3))
            text += para
            parts.append(para + "\n")
        if head == SECTION_HEADS[1]:
            parts.append(f"- 主题：{name}\n- 形式：专家讲解、现场演示、互动问答\n- 对象：社区全体居民，老人和儿童优先\n")
    return "\n".join(parts)


def _yaml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --- the place tree ---------------------------------------------------------

@dataclass
class Tree:
    communities: list[dict]
    buildings: list[str]
    estates: list[str]
    grids: list[str]


def _places(scale: Scale) -> tuple[str, Tree]:
    """places.yml text: communities of estates of buildings, grids of ~8 buildings."""
    per_comm = [scale.buildings // scale.communities + (1 if i < scale.buildings % scale.communities else 0) for i in range(scale.communities)]
    lines = ["district:", "  id: yunhu", "  name: 云湖区", "communities:"]
    tree = Tree([], [], [], [])
    for ci, nb in enumerate(per_comm):
        cid = f"c{ci + 1:02d}"
        cname = COMMUNITY_NAMES[ci % len(COMMUNITY_NAMES)] + "社区"
        estates: list[tuple[str, str, list[str]]] = []
        bi = 0
        ei = 0
        while bi < nb:
            size = min(20, nb - bi)
            eid = f"{cid}-e{ei + 1:02d}"
            estates.append((eid, ESTATE_NAMES[ei % len(ESTATE_NAMES)] + ("小区" if ei % 2 else "花园"), [f"{eid}-b{k + 1:02d}" for k in range(size)]))
            bi += size
            ei += 1
        bids = [b for _e, _n, bs in estates for b in bs]
        grids = [(f"{cid}-g{gi + 1:02d}", bids[i:i + 8]) for gi, i in enumerate(range(0, len(bids), 8))]
        lines += [f"  - id: {cid}", f"    name: {cname}", f"    address: 江城市云湖区{cname[:2]}路 {ci + 1} 号",
                  f'    phone: "027-8765 {4300 + ci:04d}"', "    grids:"]
        for gi, (gid, gb) in enumerate(grids):
            lines += [f"      - id: {gid}", f"        name: 第{gi + 1}网格",
                      f'        worker: {{role: 第{gi + 1}网格网格员, phone: "138 {ci:04d} {gi:04d}"}}',
                      f"        buildings: [{', '.join(gb)}]"]
        lines.append("    estates:")
        for eid, ename, bs in estates:
            lines += [f"      - id: {eid}", f"        name: {ename}", f"        address: {cname[:2]}路 {len(eid)} 号", "        buildings:"]
            for k, b in enumerate(bs):
                lines += [f"          - id: {b}", f"            name: {k + 1} 栋", f"            entrances: {1 + (k % 4)}"]
        tree.communities.append({"id": cid, "name": cname, "estates": [e for e, _n, _b in estates], "grids": [g for g, _b in grids], "buildings": bids})
        tree.buildings += bids
        tree.estates += [e for e, _n, _b in estates]
        tree.grids += [g for g, _b in grids]
    return "\n".join(lines) + "\n", tree


def _venues(tree: Tree) -> str:
    lines = ["venues:"]
    for c in tree.communities:
        for vi, (kind, name) in enumerate((("station", "科普活动站"), ("school", "科普学校"), ("other", "中心广场"), ("other", "健身广场"))):
            lines += [f"  - id: {c['id']}-v{vi + 1}", f"    name: {c['name']}{name}", f"    kind: {kind}",
                      f"    address: {c['name']}居委会{vi + 1}楼", f"    community: {c['id']}"]
    return "\n".join(lines) + "\n"


def _teams(tree: Tree) -> str:
    lines = ["teams:"]
    for c in tree.communities:
        for ti, name in enumerate(("科普学校", "科普志愿者服务队", "防灾减灾应急队")):
            lines += [f"  - id: {c['id']}-t{ti + 1}", f"    name: {name}", f"    kind: {'school' if ti == 0 else 'team'}",
                      f"    community: {c['id']}", "    description: |", f"      {c['name']}{name}，常年开展社区科普服务。",
                      f'    contact: {{role: {name}联系人, phone: "139 {ti:04d} {len(c["id"]):04d}"}}']
    return "\n".join(lines) + "\n"


def _audience(rng: random.Random, tree: Tree, c: dict) -> list[str]:
    """Most activities are for one community; some for an estate, a grid, a
    few buildings; one in a hundred for the whole district."""
    r = rng.random()
    if r < 0.01:
        return ["    audience: all"]
    if r < 0.60:
        return ["    audience:", f"      communities: [{c['id']}]"]
    if r < 0.80:
        return ["    audience:", f"      estates: [{rng.choice(c['estates'])}]"]
    if r < 0.92:
        return ["    audience:", f"      grids: [{rng.choice(c['grids'])}]"]
    return ["    audience:", f"      buildings: [{', '.join(rng.sample(c['buildings'], min(3, len(c['buildings']))))}]"]


class Slots:
    """Free (day, hour, venue) slots per community, so no two generated
    activities share a venue at the same time (the validator warns on that,
    and real data would not do it). Weekly activities get their own venue
    and a (weekday, hour) of their own."""

    HOURS = (9, 14, 19)  # two-hour activities, never overlapping

    def __init__(self, rng: random.Random, tree: Tree, span: tuple[date, date]):
        days = (span[1] - span[0]).days
        self.first = span[0]
        self.free: dict[str, list[tuple[int, int, int]]] = {}
        for c in tree.communities:
            slots = [(d, h, v) for d in range(days) for h in self.HOURS for v in (1, 2, 3)]
            rng.shuffle(slots)
            self.free[c["id"]] = slots
        self.weekly: dict[str, int] = {}

    def take(self, cid: str) -> tuple[datetime, int]:
        d, h, v = self.free[cid].pop()
        day = self.first + timedelta(days=d)
        return datetime(day.year, day.month, day.day, h, 0), v

    def take_weekly(self, cid: str) -> tuple[datetime, int]:
        k = self.weekly.get(cid, 0)
        self.weekly[cid] = k + 1
        # 7 weekdays x 14 one-hour slots from 07:00 at the fitness square.
        weekday, hour = k % 7, 7 + (k // 7) % 14
        day = self.first + timedelta(days=(weekday - self.first.weekday()) % 7 + 7 * (k // 98))
        return datetime(day.year, day.month, day.day, hour, 0), 4


def _activity(rng: random.Random, tree: Tree, idx: int, slots: Slots, lecture: bool) -> list[str]:
    c = tree.communities[idx % len(tree.communities)]
    topic = TOPICS[idx % len(TOPICS)]
    aid = f"{'lec' if lecture else 'act'}-{idx + 1:05d}"
    kind = "讲座" if lecture else KINDS[idx % len(KINDS)]
    r = rng.random()
    weekly = r >= 0.03 and r < 0.05 and not lecture
    start, venue = slots.take_weekly(c["id"]) if weekly else slots.take(c["id"])
    hours = 1 if weekly else 2
    lines = [f"  - id: {aid}", f"    title: {topic[0]}{kind}（第 {idx + 1} 场）", f"    kind: {kind}",
             f"    start: {start:%Y-%m-%d %H:%M}", f"    end: {(start + timedelta(hours=hours)):%H:%M}",
             f"    venue: {c['id']}-v{venue}", f"    team: {c['id']}-t{1 + idx % 3}"]
    lines += _audience(rng, tree, c)
    lines += ["    description: |", f"      {topic[1]}。{rng.choice(SENTENCES)}{rng.choice(SENTENCES)}",
              "    registration: 无需报名，直接到场", f'    contact: {{role: 活动站值班员, phone: "027-8765 {idx % 10000:04d}"}}']
    if lecture:
        lines += [f"    series: {'forum' if idx % 2 == 0 else 'health'}",
                  f"    speaker: {rng.choice(SURNAMES)}{rng.choice(GIVEN)}{rng.choice(GIVEN)}",
                  "    affiliation: 江城市中心医院", f"    topic: {topic[0]}"]
    if r < 0.03:
        lines += ["    status: cancelled", "    status_note: 因场地检修取消，另行通知"]
    elif weekly:
        # A few weekly activities, each with a bounded run of occurrences.
        until = start.date() + timedelta(days=rng.choice((28, 56, 84)))
        lines += ["    recurrence:", "      every: week", f"      weekdays: [{WEEKDAYS[start.weekday()]}]", f"      until: {until.isoformat()}"]
    return lines


def _bulletin(rng: random.Random, i: int, n: int) -> tuple[str, str]:
    # Issues spread evenly back from today, newest last.
    span_days = max(365, n // 2)
    d = TODAY - timedelta(days=(span_days * (n - 1 - i)) // max(1, n))
    topic = TOPICS[i % len(TOPICS)]
    bid = f"{d.year}-{i + 1:05d}"
    front = [
        "---", f"title: {_yaml_str(f'{topic[0]}科普活动纪实（第 {i + 1} 期）')}", f"issue: {i + 1}",
        f"date: {d.isoformat()}", f"column: {COLUMNS[i % len(COLUMNS)]}", "office: 社区居委会",
        "editor_note: |", f"  {topic[1]}。", f"summary: {_yaml_str(topic[1])}", "---", "",
    ]
    return bid, "\n".join(front) + article_body(rng, topic)


def write_gongshi(scale: Scale, dest: Path, code: Path = REPO) -> Path:
    """A full Gongshi project at ``dest`` (replaced if present), using the
    engine settings and theme of the checkout ``code``."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    shutil.copy(code / "mkdocs.yml", dest / "mkdocs.yml")
    (dest / "theme").symlink_to(code / "theme")
    if scale.name == "S":
        shutil.copytree(code / "content", dest / "content")
        return dest
    rng = random.Random(SEED)
    data = dest / "content" / "data"
    (data / "activities").mkdir(parents=True)
    site = (REPO / "content" / "data" / "site.yml").read_text(encoding="utf-8")
    (data / "site.yml").write_text(site, encoding="utf-8")
    places, tree = _places(scale)
    (data / "places.yml").write_text(places, encoding="utf-8")
    (data / "venues.yml").write_text(_venues(tree), encoding="utf-8")
    (data / "teams.yml").write_text(_teams(tree), encoding="utf-8")
    span = (TODAY - timedelta(days=365), TODAY + timedelta(days=180))
    slots = Slots(rng, tree, span)
    # Activities in files of 500, as a district would split them by community or month.
    chunk = 500
    for f0 in range(0, scale.activities, chunk):
        lines = ["activities:"]
        for i in range(f0, min(scale.activities, f0 + chunk)):
            lines += _activity(rng, tree, i, slots, lecture=False)
        name = "activities.yml" if f0 == 0 else f"activities/part-{f0 // chunk:03d}.yml"
        (data / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    lec = ["series:", "  - id: forum", "    name: 社区科普大讲坛", "    description: 每月一到两期，邀请高校和医院专家主讲",
           "  - id: health", "    name: 健康大讲堂", "    description: 老年常见病、慢性病的预防和家庭护理", "lectures:"]
    for i in range(scale.lectures):
        lec += _activity(rng, tree, i, slots, lecture=True)
    if scale.lectures == 0:
        lec.append("  []")
    (data / "lectures.yml").write_text("\n".join(lec) + "\n", encoding="utf-8")
    posts = dest / "content" / "bulletins"
    posts.mkdir(parents=True)
    for i in range(scale.bulletins):
        bid, text = _bulletin(rng, i, scale.bulletins)
        (posts / f"{bid}.md").write_text(text, encoding="utf-8")
    (dest / "content" / "about.md").write_text((REPO / "content" / "about.md").read_text(encoding="utf-8"), encoding="utf-8")
    return dest


def comparison_posts(n: int) -> list[tuple[date, str, str]]:
    """``n`` (date, title, body) posts of the same Markdown as the bulletins."""
    rng = random.Random(SEED + 1)
    out = []
    for i in range(n):
        topic = TOPICS[i % len(TOPICS)]
        d = TODAY - timedelta(days=i % 3650)
        out.append((d, f"{topic[0]}科普活动纪实（第 {i + 1} 期）", article_body(rng, topic)))
    return out


def write_material_blog(n: int, dest: Path) -> Path:
    """Material for MkDocs with its blog plugin and ``n`` posts."""
    if dest.exists():
        shutil.rmtree(dest)
    posts = dest / "docs" / "blog" / "posts"
    posts.mkdir(parents=True)
    (dest / "mkdocs.yml").write_text(
        "site_name: 云湖科普公示\nsite_url: https://kepu.example.cn/\n"
        "theme:\n  name: material\n  language: zh\n  font: false\n"
        "plugins:\n  - search:\n      lang: zh\n  - blog\n"
        "nav:\n  - 首页: index.md\n  - 简报: blog/index.md\n", encoding="utf-8")
    (dest / "docs" / "index.md").write_text("# 云湖科普公示\n\n社区科普简报。\n", encoding="utf-8")
    (dest / "docs" / "blog" / "index.md").write_text("# 简报\n", encoding="utf-8")
    for i, (d, title, body) in enumerate(comparison_posts(n)):
        (posts / f"p{i + 1:05d}.md").write_text(f"---\ndate: {d.isoformat()}\n---\n\n# {title}\n\n{body}", encoding="utf-8")
    return dest


HUGO_LAYOUT = {
    "layouts/_default/baseof.html": """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{ .Title }} - {{ .Site.Title }}</title><link rel="stylesheet" href="{{ "site.css" | relURL }}"></head>
<body><header><a href="{{ "" | relURL }}">{{ .Site.Title }}</a>
<nav>{{ range .Site.Menus.main }}<a href="{{ .URL }}">{{ .Name }}</a> {{ end }}</nav></header>
<main>{{ block "main" . }}{{ end }}</main>
<footer>江城市云湖区科学技术协会 · 鄂ICP备2026000123号-1</footer></body></html>
""",
    "layouts/_default/single.html": """{{ define "main" }}<article><h1>{{ .Title }}</h1>
<p><time>{{ .Date.Format "2006-01-02" }}</time></p>{{ .TableOfContents }}{{ .Content }}</article>
<nav>{{ with .PrevInSection }}<a href="{{ .RelPermalink }}">« {{ .Title }}</a>{{ end }}
{{ with .NextInSection }}<a href="{{ .RelPermalink }}">{{ .Title }} »</a>{{ end }}</nav>{{ end }}
""",
    "layouts/_default/list.html": """{{ define "main" }}<h1>{{ .Title }}</h1><ul>
{{ range .Paginator.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Summary | plainify | truncate 60 }}</li>{{ end }}
</ul>{{ template "_internal/pagination.html" . }}{{ end }}
""",
    "static/site.css": "body{max-width:40em;margin:auto;font:18px/1.6 sans-serif}header,footer{padding:1em 0}\n",
}


def write_hugo(n: int, dest: Path) -> Path:
    """A Hugo site with a minimal hand-written theme and ``n`` posts."""
    if dest.exists():
        shutil.rmtree(dest)
    posts = dest / "content" / "posts"
    posts.mkdir(parents=True)
    (dest / "hugo.toml").write_text(
        'baseURL = "https://kepu.example.cn/"\nlanguageCode = "zh-cn"\ntitle = "云湖科普公示"\n'
        "hasCJKLanguage = true\n[pagination]\npagerSize = 20\n"
        '[[menus.main]]\nname = "简报"\nurl = "/posts/"\n', encoding="utf-8")
    for rel, text in HUGO_LAYOUT.items():
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        (dest / rel).write_text(text, encoding="utf-8")
    for i, (d, title, body) in enumerate(comparison_posts(n)):
        (posts / f"p{i + 1:05d}.md").write_text(f"---\ntitle: {_yaml_str(title)}\ndate: {d.isoformat()}\n---\n\n{body}", encoding="utf-8")
    return dest
