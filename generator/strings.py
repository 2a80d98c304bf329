"""Every string a resident sees, in one place per language.

Templates reach these as ``t.<key>``; Python code as ``strings(lang)[key]``.
Adding a language is adding a dictionary here with the same keys (a test
checks that every language has every key).
"""

from __future__ import annotations

from datetime import date, datetime

ZH_CN: dict[str, str] = {
    "home": "首页",
    "bulletins": "简报",
    "bulletin_archive": "简报档案",
    "bulletins_by_year": "按年份",
    "year_bulletins": "{year} 年简报",
    "year_label": "{year} 年",
    "recent_bulletins": "最近的简报",
    "year_more": "{year} 年还有 {n} 期，",
    "year_all": "查看 {year} 年全部简报",
    "column_more": "本栏目共 {total} 期，这里列出最近 {shown} 期；更早的请按年份查看：",
    "bulletins_by_column": "按栏目",
    "issue": "第 {n} 期",
    "issued_by": "发文单位",
    "issue_date": "成文日期",
    "published": "发布日期",
    "editor_note": "编者按",
    "breadcrumb": "当前位置",
    "news_column": "新闻栏目",
    "latest_bulletins": "最新简报",
    "all_bulletins": "全部简报",
    "activities": "活动",
    "activity_calendar": "活动日历",
    "coming_activities": "近期活动",
    "this_week": "近七天活动",
    "as_of": "以上活动信息更新于 {date}",
    "activity_over": "本活动已于 {date} 结束。",
    "past_activities": "往期活动",
    "all_coming": "全部近期活动",
    "no_coming": "近期暂无活动",
    "month_activities": "{month}活动",
    "by_month": "按月份",
    "month_more": "本月还有 {n} 项，",
    "month_all": "查看{month}全部活动",
    "previous_month": "上个月",
    "next_month": "下个月",
    "previous_year": "上一年",
    "next_year": "下一年",
    "no_month_activities": "这个月没有活动",
    "no_this_week": "近七天暂无活动",
    "lectures": "讲座",
    "next_lecture": "下一场讲座",
    "coming_lectures": "即将举行的讲座",
    "past_lectures": "往期讲座",
    "speaker": "主讲人",
    "affiliation": "单位",
    "topic": "主题",
    "series": "系列",
    "when": "时间",
    "where": "地点",
    "for_whom": "对象",
    "organiser": "组织",
    "registration": "报名",
    "contact": "联系",
    "kind": "类别",
    "repeats": "重复",
    "dates": "活动日期",
    "status_scheduled": "",
    "status_cancelled": "已取消",
    "status_postponed": "已延期",
    "moved_from": "原定 {date}",
    "next_day": "次日",
    "places": "楼栋",
    "places_index": "社区与楼栋",
    "building": "楼栋",
    "building_activities": "本楼居民可参加的活动",
    "building_window": "今后两个月",
    "building_later": "两个月以后还有 {n} 项活动，请看",
    "grid": "网格",
    "grid_worker": "网格员",
    "entrances": "单元",
    "teams": "队伍",
    "teams_title": "一校七队",
    "venues": "场地",
    "venues_title": "活动场地",
    "address": "地址",
    "phone": "电话",
    "fax": "传真",
    "postcode": "邮编",
    "email": "邮箱",
    "icp": "ICP备案号",
    "psb": "公安备案号",
    "month": "{y}年{m}月",
    "date": "{y}年{m}月{d}日",
    "date_short": "{m}月{d}日",
    "print": "打印",
    "no_bulletins": "暂无简报",
    "no_lectures": "暂无讲座",
    "past_dates": "已结束的 {n} 次",
    # subscriptions: feeds, calendars, digests
    "feed_name": "{site} · {name}",
    "all_activities": "全部活动",
    "details": "详情",
    "subscribe_building": "订阅本楼活动日历",
    "download_ics": "下载日历文件",
    "add_to_calendar": "添加到日历",
    "subscribe_hint": "订阅后，本楼活动的新增和变动会自动出现在手机日历里。",
    "digest_text": "微信群文字版",
    "digest_title": "【{building}】近期科普活动（{first}—{last}）",
    "digest_empty": "这段时间暂无活动。",
    "digest_link": "详情：{url}",
    # door notices (printed A4, one per building entrance)
    "notice_headline": "近期科普活动",
    "notice_period": "{first}（{first_wd}）至 {last}（{last_wd}）",
    "notice_more": "另有 {n} 项活动，请扫码查看",
    "notice_empty_hint": "新的活动安排会及时张贴在这里，也可以扫码随时查看本楼最新活动。",
    "notice_scan": "扫码查看本楼最新活动",
    "notice_posted": "张贴日期",
    "notice_valid": "有效期至",
    "notice_hotline": "社区咨询电话",
    "notice_organiser": "主办",
    "notice_note": "说明",
    "notice_dates": "日期",
    "notice_every_day": "{first}至{last}每天",
    "notice_back": "返回公示栏目录",
    "notice_print": "打印本页",
    "notices_index": "楼门公示栏",
    "notices_intro": "每栋楼（或每个单元门）一张 A4 公示，列出 {days} 天内本楼居民可参加的科普活动，附二维码。请用 A4 纸、纵向、100% 比例打印。",
    "notices_all_pdf": "全部公示合并 PDF（按楼栋顺序，每栋一页）",
    "notice_html": "网页",
    "notice_pdf": "PDF",
    "door_notice": "楼门公示（A4 打印）",
    # residents' reading aids: search, elder mode, print
    "menu": "菜单",
    "not_found": "页面不存在",
    "not_found_text": "您要找的页面不存在，可能是网址输错了，或者页面已经移走。",
    "not_found_try": "可以回到首页，在“社区与楼栋”里找到您住的楼，或用右上角的搜索。",
    "search": "搜索",
    "search_placeholder": "搜索简报、活动、讲座、楼栋",
    # No issue number: "第 13 期" on a site of 12 issues found four
    # unrelated pages (the residents' tester), and the newest one would make
    # every page depend on the bulletins (all rendered again for each new one).
    "search_hint": "输入关键词，例如：讲座、防灾减灾、主讲人姓名、楼栋名称、简报期号",
    "search_loading": "正在搜索……",
    "search_none": "没有找到相关内容，请换个词试试",
    "search_count": "找到 {n} 条结果",
    "search_more": "显示更多结果",
    "search_failed": "搜索暂时无法使用，请稍后再试",
    "search_clear": "清除",
    # past activities are not indexed (generator/search.py): said under every answer, with the way there
    "search_past": "已结束的活动（讲座除外）搜不到，请在活动日历中查看：",
    "elder_mode": "长辈模式",
}

WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")

LANGUAGES: dict[str, dict[str, str]] = {"zh-CN": ZH_CN}


class Strings(dict[str, str]):
    """A language's strings; attribute access for templates."""

    def __getattr__(self, key: str) -> str:
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None


def strings(lang: str = "zh-CN") -> Strings:
    return Strings(LANGUAGES.get(lang, ZH_CN))


def zh_date(d: date | datetime) -> str:
    return ZH_CN["date"].format(y=d.year, m=d.month, d=d.day)


def zh_date_short(d: date | datetime) -> str:
    return ZH_CN["date_short"].format(m=d.month, d=d.day)


def zh_weekday(d: date | datetime) -> str:
    return WEEKDAYS[d.weekday()]


def zh_month(d: date | datetime) -> str:
    return ZH_CN["month"].format(y=d.year, m=d.month)


def hm(dt: datetime) -> str:
    return f"{dt:%H:%M}"


def time_range(start: datetime, end: datetime) -> str:
    if start.date() == end.date():
        return f"{start:%H:%M}–{end:%H:%M}"
    return f"{start:%H:%M} 至 {zh_date_short(end)} {end:%H:%M}"


def time_lines(start: datetime, end: datetime) -> tuple[str, ...]:
    """:func:`time_range` in short lines, for a narrow column under the
    start's date (the door notice's): "09:00–11:00" on one day; overnight
    "22:00 至", "次日 01:00"; over days "09:00 至", "12月30日 周三", "18:00",
    the end's date as the start's is written above. No line is wider than
    "12月30日 周三", which the column is made for: "12月30日 18:00" in bold
    is not (Noto Sans CJK: 7.3 em in 7.2)."""
    if start.date() == end.date():
        return (time_range(start, end),)
    if (end.date() - start.date()).days == 1:
        return (f"{start:%H:%M} 至", f"{ZH_CN['next_day']} {end:%H:%M}")
    return (f"{start:%H:%M} 至", f"{zh_date_short(end)} {zh_weekday(end)}", f"{end:%H:%M}")


def speaker_with_affiliation(speaker: str, affiliation: str) -> str:
    """"李明华（江城市中心医院）", or just the part that is known ("" if neither):
    a lecture without a speaker is publishable and must not print "（）"."""
    if speaker and affiliation:
        return f"{speaker}（{affiliation}）"
    return speaker or affiliation
