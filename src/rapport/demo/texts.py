"""What demo customers and reps write, in Chinese and English, by theme.

Happy and unhappy customers talk about different things, so text analytics has a real
signal to find. Each text belongs to exactly one theme in these tables (a test checks),
so the true theme of any generated comment or ticket text can be looked up here.
"""

from __future__ import annotations

# theme → (Chinese texts, English texts)
Texts = dict[str, tuple[tuple[str, ...], tuple[str, ...]]]

HAPPY_COMMENTS: Texts = {
    "fast_delivery": (
        ("发货很快，第二天就到了。", "物流速度超出预期，包装也很好。", "下单到收货只用了一天，点赞！"),
        ("Arrived the next day, great.", "Delivery was faster than expected.", "Quick shipping and well packed."),
    ),
    "quality": (
        ("质量很好，用起来很顺手。", "产品做工扎实，物有所值。", "用了几个月了，一直很稳定。"),
        ("Solid product, works perfectly.", "Great build quality for the price.", "Months of use and no problems."),
    ),
    "helpful_service": (
        ("客服很耐心，问题很快解决了。", "销售顾问很专业，推荐的方案很合适。", "售后响应及时，服务态度好。"),
        ("Support was patient and fixed it fast.", "Our account manager really knows the products.", "Helpful, friendly service."),
    ),
    "fair_price": (
        ("价格合理，经常有优惠。", "性价比高，会继续回购。"),
        ("Fair prices and good deals.", "Good value, will order again."),
    ),
}  # fmt: skip

UNHAPPY_COMMENTS: Texts = {
    "late_delivery": (
        ("等了一个多星期才到货。", "物流太慢了，催了好几次。", "说好的次日达，结果晚了五天。"),
        ("Took over a week to arrive.", "Delivery was late again.", "Promised next-day, came five days later."),
    ),
    "defect": (
        ("扩展坞用了两周就发热断连。", "收到的商品有划痕，做工一般。", "质量不稳定，已经坏了两次。"),
        ("The dock overheats and disconnects.", "Arrived scratched, poor finish.", "Broke twice already."),
    ),
    "slow_support": (
        ("客服一直不回复，问题拖了很久。", "工单提交三天了还没人处理。", "售后推来推去，体验很差。"),
        ("Support never got back to me.", "Ticket open for three days, no answer.", "Got passed around between agents."),
    ),
    "high_price": (
        ("价格比别家贵不少。", "续费涨价太多了，考虑换供应商。"),
        ("More expensive than elsewhere.", "Renewal price went up too much, looking at other vendors."),
    ),
    "billing": (
        ("发票开错了，改了好几次。", "重复扣款，退款很慢。"),
        ("The invoice was wrong, twice.", "Charged twice and the refund took ages."),
    ),
}  # fmt: skip

# ticket category → (Chinese (subject, description) pairs, English pairs)
TICKETS: dict[str, tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]] = {
    "delivery": (
        (("订单未收到", "订单显示已发货，但一直没有收到。"), ("物流信息不更新", "快递单号三天没有更新，请帮忙查询。")),
        (("Order not received", "The order shows shipped but never arrived."), ("Tracking not updating", "No tracking update for three days.")),
    ),
    "quality": (
        (("产品故障", "设备开机后频繁断连，需要维修或更换。"), ("收到的商品有损坏", "外壳有裂痕，申请换货。")),
        (("Product fault", "The device keeps disconnecting; please repair or replace."), ("Item arrived damaged", "The case is cracked; I want a replacement.")),
    ),
    "billing": (
        (("发票问题", "发票抬头错误，需要重开。"), ("重复扣款", "同一笔订单被扣了两次款。")),
        (("Invoice problem", "The invoice has the wrong company name."), ("Charged twice", "I was charged twice for one order.")),
    ),
    "usage": (
        (("安装咨询", "请问这个型号如何连接无线网络？"), ("使用问题", "软件激活码无法使用。")),
        (("Set-up question", "How do I connect this model to Wi-Fi?"), ("Cannot activate", "The licence key is not accepted.")),
    ),
    "return": (
        (("申请退货", "商品不符合需求，申请七天无理由退货。"),),
        (("Return request", "Not what we needed; I would like to return it."),),
    ),
}  # fmt: skip

# interaction kind → (Chinese subjects, English subjects)
INTERACTION_SUBJECTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "first_contact": (("初次电话沟通", "添加微信，介绍产品", "发送产品资料"), ("Intro call", "Sent product brochure", "First conversation")),
    "follow_up": (("回访客户使用情况", "节日问候", "新品推荐"), ("Check-in call", "Seasonal greetings", "New product update")),
    "deal": (("需求沟通会议", "上门拜访演示", "报价讨论", "合同条款谈判"), ("Needs meeting", "On-site demo", "Proposal review", "Contract negotiation")),
    "win_back": (("老客户回流优惠", "好久不见，专属优惠券"), ("We miss you: a discount", "Come back offer")),
    "support": (("工单处理回复", "售后电话回访"), ("Ticket follow-up", "After-sales call")),
}  # fmt: skip

LOST_REASONS: tuple[tuple[str, str], ...] = (
    ("price", "价格太高"),
    ("competitor", "选择了竞争对手"),
    ("no_budget", "暂无预算"),
    ("no_decision", "客户未做决定"),
    ("timing", "时机不合适"),
)
