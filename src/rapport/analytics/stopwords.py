"""Stop words for theme extraction: words that say nothing about what a comment is about.

Written for this project from general knowledge of both languages (function words,
pronouns, auxiliaries, particles, fillers of survey comments), lower case. Negations
(``NEGATIONS``) are not stop words: "不稳定" and "never answered" keep them, though
alone they are no theme.
"""

from __future__ import annotations

from typing import Final


def _split(words: str) -> list[str]:
    """The words of ``words``, a whitespace-separated list (tables read best as text)."""
    return words.split()


ENGLISH: Final = frozenset(
    _split("""
    a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing done down during
    each even ever few for from further get gets got had has have having he her here hers
    herself him himself his how i if in into is it its itself just let like made make me
    more most much must my myself now of off on once only or other our ours ourselves out
    over own per quite rather really same she should since so some still such than that
    the their theirs them themselves then there these they this those though through thus
    to too under until up upon us very via was we were what when where which while who
    whom whose why will with within would yet you your yours yourself yourselves
    im ive id youre dont didnt doesnt isnt wasnt arent werent cant couldnt wont wouldnt
    it's i'm i've i'd you're don't didn't doesn't isn't wasn't aren't weren't can't
    couldn't won't wouldn't that's there's
    ok okay yes thanks thank please etc one two three
    """)
)

CHINESE: Final = frozenset(
    _split("""
    的 地 得 了 着 过 吗 呢 吧 啊 呀 哦 嗯 哈 啦 嘛 么 之 其 与 及 和 跟 同 或 或者 而 而且
    并 并且 且 但 但是 可是 不过 然而 所以 因为 因此 于是 如果 要是 虽然 即使 就是 只是 还是
    我 我们 你 你们 您 他 他们 她 她们 它 它们 自己 大家 咱们 这 那 这个 那个 这些 那些 这样
    那样 这里 那里 这么 那么 什么 怎么 怎样 为什么 哪 哪里 哪个 谁 每 各 某 本 该
    是 在 有 就 都 也 还 又 再 才 刚 已 已经 曾 曾经 正 正在 将 将要 会 能 可以 可能 要 想 应该
    把 被 让 给 对 对于 关于 从 向 往 到 由 为 为了 以 以及 按 按照 比 除了 等 等等
    很 太 挺 非常 特别 比较 更 最 真 真的 十分 相当 有点 一点 一些 一下 一直 一个 一次 一样
    个 些 次 下 上 中 里 后 前 时 时候 之后 之前 然后 现在 今天 昨天 总是 还有 另外 其他
    说 觉得 感觉 认为 发现 知道 谢谢 感谢 请 您好 你好 希望
    """)
)

# Kept in phrases ("不稳定", "never answered") but never listed alone.
NEGATIONS: Final = frozenset(
    _split("不 没 没有 无 未 别 非 no not never nothing nobody none nor without")
)
