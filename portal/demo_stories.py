"""The demo complaints told as stories (pure data): DOMAIN.md §10's typical cases, each taken as far
through the seven steps as staff would have got by now. `demo_complaints.seed` plays them back in
order: a repeat complaint comes after the one it repeats is closed, a duplicate after its original."""
from dataclasses import dataclass, field

from .complaints.rules import Move


@dataclass
class Story:
    """One complaint: who called, about what, and what staff have done with it so far."""

    key: str
    customer: int  # index into the tenant's customers; the same index is the same person and vehicle/unit
    category: str
    description: str
    request: str = ""
    kind: str = "complaint"
    channel: str = "phone"
    steps: list = field(default_factory=list)
    extra: dict = field(default_factory=dict)  # more register fields (vip, complainants, ...)


# --- steps: (actor login prefix, verb, payload) ------------------------------------------------

def investigate(by="cs"):
    return by, Move.START_INVESTIGATION, {}


def transfer(dept, findings, instructions, to=None, by="cs"):
    return by, Move.TRANSFER, {"department": dept, "findings": findings, "instructions": instructions,
                               "assignee": to}


def plan(by, cause, solution):
    return by, Move.PROPOSE_PLAN, {"cause": cause, "solution": solution}


def customer(agreed, opinion, by="cs"):
    return by, Move.CUSTOMER_RESPONSE, {"agreed": agreed, "opinion": opinion}


def implemented(by, summary):
    return by, Move.IMPLEMENT, {"summary": summary}


def revisit(satisfaction, comment="", by="cs"):
    return by, Move.REVISIT, {"satisfaction": satisfaction, "comment": comment}


def not_valid(findings, via="phone", by="cs"):
    return by, Move.CLOSE_INVALID, {"findings": findings, "opinion_told_via": via, "customer_told": True}


def answer(text, by="cs"):
    return by, Move.ANSWER, {"answer": text}


def convert(reason, by="cs"):
    return by, Move.CONVERT, {"reason": reason}


def note(by, body, public=False):
    return by, "note", {"body": body, "public": public}


def assign(by, dept=None, to=None):
    return by, "assign", {"department": dept, "assignee": to}


def merge_into(key, by="cs"):
    return by, "merge", {"other": key}


def link_to(key, kind="related", by="cs"):
    return by, "link", {"other": key, "kind": kind}


# --- a dealer (4S shop); plans and repairs by the service advisor or the service manager -------

AFTER_SALES, PARTS, RELATIONS, SALES = "售后服务部", "配件部", "客户关系部", "销售部"

DEALER = [
    Story("first_service", 0, "收费争议",
          "客户首次保养（5000公里）被收取机油、机滤及工时费共480元，客户认为首保应免费，结算时服务顾问未做任何解释。",
          "退还首保费用，并说明收费依据。", steps=[
              investigate(),
              note("cs", "查保养手册：首保免工时费，机油机滤按厂家规定由客户承担；结算时服务顾问未解释。"),
              transfer(AFTER_SALES, "首保范围未向客户解释；工时费按规定应免除却被收取。",
                       "请3个工作日内核实收费明细并给出方案，服务经理当面致歉。", to="advisor"),
              plan("advisor", "服务顾问对首保政策不熟悉，结算前未与客户核对收费项目。",
                   "退还工时费180元，服务经理当面致歉并说明首保范围；材料费按厂家规定收取。"),
              customer(True, "客户接受退还工时费，理解材料费需自付。"),
              implemented("advisor", "工时费180元已原路退还，服务经理已当面致歉；已对服务顾问做首保政策培训。"),
              revisit("very_satisfied", "客户表示这次解释清楚了，很满意。")]),
    Story("gift", 1, "销售承诺",
          "电话邀约参加免费检测活动时承诺到店赠送行车记录仪，到店后前台称赠品已送完，态度冷淡。",
          "兑现赠品并道歉。", channel="walk_in", steps=[
              investigate(),
              transfer(RELATIONS, "邀约时承诺赠品但未预留库存；前台接待态度冷淡属实。",
                       "请补发赠品并由主管致电道歉。", to="manager"),
              plan("manager", "活动赠品数量不足，邀约专员未按库存控制邀约人数。",
                   "三日内快递补发行车记录仪，客户关系部主管致电道歉。"),
              customer(True, "同意，希望尽快寄到。"),
              implemented("manager", "赠品已于次日快递寄出，客户已签收；主管已致电道歉。"),
              revisit("satisfied", "收到了，后来的态度也挺好。")]),
    Story("rattle", 2, "维修质量", "更换前减震器后，过减速带时左前方有明显异响。", "免费检查处理。", steps=[
        investigate(),
        transfer(AFTER_SALES, "试车确认左前异响，疑似减震器顶胶螺母未紧固。", "请安排技师复检并免费处理。", to="advisor"),
        plan("advisor", "装配时减震器顶胶螺母扭矩不足。", "免费重新紧固并检查悬挂，维修期间提供代步车。"),
        customer(True, "同意周六到店。"),
        implemented("advisor", "已按规定扭矩重新紧固，试车无异响。"),
        revisit("satisfied")]),
    Story("scratch", 3, "维修质量", "洗车后发现右后门有一道划痕，认为是洗车时造成的。", "免费补漆。", steps=[
        investigate(),
        note("cs", "调取接车环检单和监控：接车时右后门划痕已存在，环检单上有客户签字。"),
        note("cs", "我们已请您到店查看接车环检记录和监控录像，如仍有疑问请随时联系客服专员。", public=True),
        not_valid("接车环检单和监控录像显示划痕在进店前已存在，投诉不成立。", via="in_person")]),
    Story("one_hour", 4, "等待时间", "预约1小时快速保养，到店2小时仍未开始施工，也没有人告知原因。",
          "说明原因并给予补偿。", channel="walk_in", steps=[
              investigate(),
              transfer(AFTER_SALES, "当日快保工位被返修车辆占用，前台未通知客户。",
                       "请说明原因，给出补偿和改进措施。", to="advisor"),
              plan("advisor", "工位调度未预留快保工位，前台未主动告知等待时间。",
                   "赠送一次免费洗车，下次保养工时8折，服务经理致电道歉。"),
              customer(True, "勉强同意。"),
              implemented("advisor", "洗车券和工时折扣券已发放。"),
              revisit("dissatisfied", "只给了券，没人真正道歉，预约不准时的问题也没解决。"),
              note("manager", "回访不满意，已转回售后服务部：我本人致电道歉，并提交快保工位预留制度。")]),
    Story("blower", 5, "收费争议",
          "空调鼓风机不转，服务顾问报价约200元，修完结算1100多元，称之前报错了配件。", "按原报价收费。", steps=[
              investigate(),
              transfer(AFTER_SALES, "报价单写的是鼓风机调速电阻（约200元），实际更换的是鼓风机总成。",
                       "请核实报价过程并给出方案。", to="advisor"),
              plan("advisor", "服务顾问报价时查错配件编号。", "按实际配件价格收费，赠送一次常规保养。"),
              customer(False, "客户不同意：报错价是店方的责任，应按报价收费。"),
              plan("manager", "报价错误属店方责任，服务顾问报价前未与技师确认故障部件。",
                   "按原报价200元收费，差价由店方承担；服务经理当面致歉；报价流程增加技师确认。"),
              customer(True, "同意新的方案。"),
              note("cs", "差价退款已提交财务，预计3个工作日内到账。", public=True)]),
    Story("blower_again", 5, "收费争议", "客户再次来电，投诉鼓风机维修多收费，要求尽快处理。",
          steps=[merge_into("blower")]),
    Story("car_wash", 12, "服务态度", "保养后车辆没有清洗，驾驶座上留有油污手印。", "清洗并道歉。", steps=[
        investigate(),
        transfer(AFTER_SALES, "交车前未按流程做清洁检查。", "请给出处理及改进措施。", to="advisor"),
        plan("advisor", "交车检查漏项。", "上门取车免费精洗内饰；交车检查表增加清洁项。"),
        customer(True, "可以。"),
        implemented("advisor", "已免费精洗内饰并送还车辆。"),
        revisit("satisfied", "洗得很干净。")]),
    Story("headlight", 6, "配件供应",
          "调整大灯后左前大灯间歇性闪烁；服务站先说要订大灯总成，到货后又说要等厂家的技术答复。",
          "尽快彻底修好，期间提供代步车。", extra={"vip": True}, steps=[
              investigate(),
              transfer(PARTS, "检测确认左前大灯总成故障，库存无货；闪烁原因需厂家技术支持确认。",
                       "向配件中心订购左前大灯总成，同时向厂家技术支持提交技术咨询。", to="advisor"),
              note("advisor", "已向配件中心提交配件支援申请：左前大灯总成 ×1。"),
              note("advisor", "已向厂家技术支持提交技术咨询，等待答复。"),
              note("cs", "配件已订购，预计下周到货；到货后我们会第一时间联系您安排更换。", public=True)]),
    Story("gearbox", 11, "产品质量", "客户向12315投诉：DSG变速箱低速顿挫，三次进店都没有解决。",
          "更换变速箱。", channel="consumer_association", steps=[
              investigate(),
              note("cs", "消协转来的投诉，已按规定报告总部。"),
              transfer(AFTER_SALES, "三次维修均只做了软件升级，没有彻底解决；需要厂家技术支持。",
                       "请申请厂家技术支持，给出维修方案，并准备给消协的书面回复。", to="manager"),
              plan("manager", "机电单元故障；前几次没有申请技术支持，只做了软件升级。",
                   "经厂家技术支持确认，免费更换机电单元，维修期间提供代步车。"),
              customer(True, "客户同意先更换机电单元。"),
              note("cs", "机电单元已到货，预计本周五完成更换，届时为您提供代步车。", public=True)]),
    Story("breakdown", 7, "救援服务",
          "客户在外地（距上海约300公里）车辆抛锚，最近的服务站拒绝外出救援，客户只好自费到路边店修理；"
          "回沪后本店以非授权维修为由拒绝保修。", "报销自费维修和拖车费用，恢复保修。", channel="hq_dispatch", steps=[
              investigate(),
              note("cs", "总部客服中心工单转来；已与外地服务站核实：当日其救援车辆外出，未转介其他服务站。"),
              transfer(AFTER_SALES, "外地服务站未按救援规定响应；本店拒保时未考虑特殊情况。",
                       "请与总部及外地服务站协调，给出费用承担和保修方案。", to="manager"),
              plan("manager", "外地服务站救援资源不足且未转介；本店执行拒保政策过于机械。",
                   "凭票报销拖车费和路边店维修费共2350元，保修资格不受影响；总部协调外地服务站致歉。"),
              note("cs", "处理方案已形成，我们今天会与您电话沟通确认。", public=True)]),
    Story("ac_smell", 8, "维修质量", "空调清洗后出风口仍有霉味。", "重新处理。", steps=[
        investigate(),
        transfer(AFTER_SALES, "只更换了空调滤芯，未做蒸发箱清洗。", "请免费返工。", to="advisor"),
        plan("advisor", "施工项目与客户预约项目不符。", "免费清洗蒸发箱并杀菌，更换活性炭滤芯。"),
        customer(True, "同意。"),
        implemented("advisor", "已完成蒸发箱清洗和滤芯更换，交车试车无异味。")]),
    Story("rude_advisor", 9, "服务态度", "客户打电话询问维修进度，服务顾问不耐烦，直接挂断了电话。", "道歉。", steps=[
        investigate(),
        transfer(AFTER_SALES, "通话录音显示服务顾问语气生硬并先挂断电话，属实。", "请处理当事人并向客户致歉。",
                 to="manager"),
        plan("manager", "服务顾问当日接待量大，情绪管理不当。",
             "服务经理当面致歉，本次维修工时费减免20%；当事顾问停岗培训一周。")]),
    Story("bumper", 10, "配件供应", "后保险杠订货三周仍未到货，车辆无法正常使用。", "尽快到货或提供代步车。", steps=[
        investigate(),
        transfer(PARTS, "后保险杠为缺货件，本店和兄弟店均无库存。", "向配件中心申请紧急支援，并告知客户到货时间。"),
        note("cs", "配件中心回复预计12月初到货，到货后立即安排喷漆和装配。", public=True)]),
    Story("tyre_light", 17, "维修质量", "仪表盘胎压报警灯常亮，想预约检查。", kind="repair", steps=[
        answer("已预约周四上午10点到店检查胎压传感器。")]),
    Story("first_service_question", 15, "其他", "询问首保的里程和时间要求。", kind="inquiry", steps=[
        answer("首保为5000公里或6个月，以先到者为准；首保免工时费。")]),
    Story("rattle_again", 2, "维修质量", "上次处理过的左前异响又出现了，这是第二次投诉。",
          "彻底修好，否则要求更换减震器总成。", steps=[
              investigate(),
              assign("cs", AFTER_SALES, "manager"),
              note("cs", "二次投诉：按重要投诉跟进，请服务经理亲自负责。")]),
    Story("window_film", 13, "销售承诺", "提车时发现销售顾问承诺的全车贴膜没有做。", "按承诺免费贴膜。",
          channel="walk_in", extra={"vip": True}, steps=[assign("manager", SALES, "cs")]),
    Story("spark_plugs", 14, "收费争议", "结算单上有火花塞更换费用，客户怀疑火花塞并未更换。", "核实并退费。", steps=[
        investigate(),
        note("cs", "已调取工单和旧件记录，等待技师说明。"),
        link_to("blower")]),
    Story("wiper_noise", 18, "维修质量", "更换雨刮片后仍有刮水异响，已经第二次来店报修。", kind="repair", steps=[
        convert("同一问题第二次报修，客户明确表示不满，按投诉处理。")]),
    Story("extended_warranty", 16, "其他", "询问延保产品的价格和覆盖范围。", kind="inquiry"),
]

# --- a property project company; plans and work by the customer service supervisor ------------

ENGINEERING, PROPERTY_SERVICE, SALES_DEPT, GENERAL = "工程部", "物业服务部", "销售部", "综合部"

PROPERTY = [
    Story("bathroom_leak", 0, "房屋渗漏", "楼上卫生间渗水，本户卫生间吊顶发霉。", "修好并恢复吊顶。", steps=[
        investigate(),
        transfer(ENGINEERING, "上门查看，确认楼上卫生间防水层破损。", "协调楼上业主，安排防水维修并修复本户吊顶。",
                 to="manager"),
        plan("manager", "楼上卫生间防水层施工质量问题，仍在保修期内。",
             "工程部免费重做楼上卫生间防水，闭水试验48小时合格后修复本户吊顶。"),
        customer(True, "同意。"),
        implemented("manager", "防水已重做，闭水试验合格，吊顶已修复。"),
        revisit("satisfied")]),
    Story("lift", 1, "电梯故障", "单元电梯停运4天，家中有老人，出行非常困难。", "尽快修复并说明原因。", steps=[
        investigate(),
        transfer(PROPERTY_SERVICE, "电梯主板故障，维保单位在等配件。",
                 "督促维保单位48小时内修复，停运期间安排人员协助老人上下楼。", to="manager"),
        note("cs", "维保单位已确认配件明天到货；这期间物业人员可以协助您搬运物品。", public=True),
        plan("manager", "维保单位备件不足，也没有及时通知业主停运原因。",
             "更换主板恢复运行；停运期间物业费按天减免；今后停运超过24小时须张贴公告说明原因。"),
        customer(True, "同意。"),
        implemented("manager", "电梯已恢复运行，减免已在账单中体现。"),
        revisit("very_satisfied", "处理得很快。")]),
    Story("window_leak", 10, "房屋渗漏", "主卧窗户下雨时窗框渗水。", "修好窗户。", steps=[
        investigate(),
        transfer(ENGINEERING, "窗框外侧密封胶老化。", "上门重新打胶。", to="manager"),
        plan("manager", "窗框外侧密封胶开裂。", "外侧重新打胶。"),
        customer(True, "同意。"),
        implemented("manager", "已重新打胶。"),
        revisit("satisfied")]),
    Story("handover", 2, "交付延期", "购房合同约定9月30日交房，至今没有通知交付，也没有说明原因。",
          "按合同支付逾期交付违约金。", channel="letter", steps=[
              investigate(),
              transfer(SALES_DEPT, "因外立面整改，该楼交付推迟约两个月，未书面通知业主。",
                       "核算违约金，书面说明延期原因和新的交付日期。", to="manager"),
              plan("manager", "外立面整改延误工期；销售部未按规定书面通知业主。",
                   "按合同每日万分之五支付逾期违约金，交付时一次结清；书面通知新的交付日期12月20日。"),
              note("cs", "书面说明已寄出，请注意查收。", public=True)]),
    Story("workers_left", 3, "维修服务", "报修厨房墙面空鼓，维修人员把墙面敲开后没完工就走了，三天没人再来。",
          "尽快修好并清理现场。", steps=[
              investigate(),
              transfer(ENGINEERING, "维修人员被临时调去处理管道爆裂，没有告知业主。", "安排完工并向业主致歉。",
                       to="manager"),
              plan("manager", "派工调度没有考虑在修项目。", "两天内完成墙面修复并清理现场，减免当月物业费。"),
              customer(True, "同意。"),
              implemented("manager", "墙面已修复。"),
              revisit("dissatisfied", "修补处颜色和原墙面不一致，现场的垃圾也没清理。"),
              plan("manager", "修补后未做整面涂刷，完工时没有验收现场清洁。",
                   "整面墙重新涂刷，由客服主管到现场验收清洁。")]),
    Story("parking_fee", 4, "收费争议", "地下车位月租从300元涨到400元，事先没有任何通知。", "恢复原价。", steps=[
        investigate(),
        note("cs", "调价经业主大会表决通过并已备案；调价公告于30天前张贴在各单元大堂，并在业主群发布。"),
        not_valid("调价程序合法且已提前30天公告，投诉不成立；已向业主说明并提供公告照片。")]),
    Story("guard", 9, "服务态度", "小区门岗保安对业主的访客态度恶劣，出言不逊。", "道歉。", steps=[
        investigate(),
        transfer(PROPERTY_SERVICE, "监控确认保安言语不当。", "处理当事保安并致歉。", to="manager"),
        plan("manager", "新入职保安未经服务礼仪培训。", "当事保安当面道歉并调离门岗；全体保安参加礼仪培训。"),
        customer(True, "接受。"),
        implemented("manager", "已当面道歉，培训已组织。"),
        revisit("very_satisfied")]),
    Story("ceiling_leak", 5, "房屋渗漏", "下雨后客厅顶棚漏水，墙面起皮，木地板泡水。", "修好屋面，赔偿地板。", steps=[
        investigate(),
        transfer(ENGINEERING, "顶层屋面防水卷材搭接处开裂。", "修复屋面防水，评估室内损失。", to="manager"),
        plan("manager", "屋面防水卷材老化开裂，在保修期内。",
             "修复屋面防水，室内墙面重新粉刷，按评估价赔偿地板损失3800元。"),
        customer(True, "同意。"),
        note("cs", "屋面修复已安排在本周六（晴天）施工。", public=True)]),
    Story("ceiling_leak_mail", 5, "房屋渗漏", "业主发邮件再次反映客厅顶棚漏水。", channel="email",
          steps=[merge_into("ceiling_leak")]),
    Story("fee_question", 11, "其他", "询问物业费能否按季度缴纳，支持哪些缴费方式。", kind="inquiry", steps=[
        answer("可按季度或年度缴纳，支持物业APP、银行代扣和前台刷卡。")]),
    Story("corridor_light", 8, "维修服务", "楼道灯坏了一周，报修两次都没人处理。", "尽快修好。", steps=[
        investigate(),
        transfer(PROPERTY_SERVICE, "报修单被遗漏，没有派工。", "立即修复，并检查报修派单流程。", to="manager"),
        plan("manager", "报修系统派单遗漏。", "当日更换灯具；报修单增加超时提醒。"),
        customer(True, "好的。"),
        implemented("manager", "已更换楼道灯和感应开关。")]),
    Story("night_works", 6, "施工噪音", "隔壁地块夜间施工到凌晨1点，严重影响休息。", "禁止夜间施工。", steps=[
        investigate(),
        transfer(GENERAL, "核实为相邻项目二期夜间浇筑混凝土，未办理夜间施工许可。",
                 "与施工单位交涉，必要时向城管部门反映。"),
        note("cs", "已要求施工单位22:00以后停止高噪音作业，我们会持续跟进。", public=True)]),
    Story("wall_cracks", 7, "墙体开裂", "6户业主联名来信：客厅和卧室墙体出现多条裂缝，担心结构安全。",
          "请第三方检测结构安全，并负责维修。", channel="letter", extra={"complainants": 6}, steps=[
              investigate(),
              assign("manager", ENGINEERING, "manager"),
              note("manager", "已联系第三方检测机构，预计下周进场检测。"),
              note("cs", "业主怀疑裂缝与相邻地块夜间施工有关，已关联该投诉，检测时一并评估。"),
              link_to("night_works"),
              note("cs", "我们已安排第三方检测机构检测墙体，结果出来后会第一时间告知各位业主。", public=True)]),
    Story("drain", 13, "维修服务", "厨房下水道堵塞。", kind="repair", steps=[
        answer("维修人员已上门疏通，业主确认恢复正常。")]),
    Story("heating", 15, "维修服务", "入冬供暖后卧室温度只有16度。", "尽快解决。", steps=[
        investigate(),
        transfer(ENGINEERING, "上门测温卧室16℃，低于18℃的供暖标准。", "排查管道堵塞并给出方案。", to="manager")]),
    Story("window_leak_again", 10, "房屋渗漏", "上次修过的主卧窗户昨晚下雨又渗水，这是第二次投诉。",
          "彻底解决。", steps=[
              investigate(),
              note("cs", "二次投诉：请工程部主管带队上门，不能只打胶了事。")]),
    Story("ac_drain", 14, "维修服务", "空调冷凝水管漏水，报修三次仍未修好。", kind="repair", steps=[
        convert("同一问题报修三次未解决，转为投诉处理。")]),
    Story("rubbish", 16, "服务态度", "垃圾桶两天没有清运，异味很大，打客服电话也没人接。", "马上清运。",
          channel="web"),
    Story("renovation_question", 12, "其他", "询问装修申请需要提交哪些材料。", kind="inquiry"),
]


# --- work orders headquarters dispatched (工单), by network -------------------------------------

@dataclass
class WorkOrderStory:
    """A complaint headquarters received (hotline, 12315) and dispatched to a tenant, and what became of it."""

    key: str  # unique across the demo: the work order's intake key is made of it (seeding it twice adds nothing)
    to: str  # the tenant it is dispatched to first
    customer: int  # index into that tenant's customers (demo_complaints.customer_data), beyond its own stories'
    category: str
    description: str
    request: str
    source: str = "phone"  # how HQ received it: its hotline by default
    hours: float = 24  # HQ's deadline for the first response, in hours on the clock
    steps: list = field(default_factory=list)  # work-order steps, then complaint steps in the tenant holding it


def accept(note, by="cs"):
    return by, "accept", {"note": note}


def send_back(reason, by="cs"):
    return by, "return", {"reason": reason}


def redirect(to, reason):
    return "hq", "redirect", {"to": to, "reason": reason}


# Each network: one waiting for acceptance, one accepted and in hand, one returned to HQ and waiting for its
# decision, one returned and redirected to the other tenant (which accepted it), and one with an urgent
# half-hour deadline (the shortest HQ's form allows): nothing is backdated, so it is late half an hour after
# seeding, and HQ's inbox lists it from then on.
WORK_ORDERS = {
    "svw": [
        WorkOrderStory("wo_engine_light", "dealer-sh01", 19, "维修质量",
                       "客户致电总部客服热线：在浦东一店做完两万公里保养后，第二天发动机故障灯亮起；"
                       "打电话给门店，前台说要排队一周后才能进店检查。",
                       "尽快安排检查，查明故障灯是否与这次保养有关。"),
        WorkOrderStory("wo_sunroof", "dealer-sh02", 20, "产品质量",
                       "客户向12315投诉：新车提车两周，下雨后天窗漏水，副驾驶脚垫湿透；门店称要等厂家鉴定，"
                       "没有给出处理时间。", "更换天窗总成，否则要求退车。", source="consumer_association", steps=[
                           accept("已受理。今天联系客户预约到店检查，同时向厂家技术支持报备。"),
                           investigate(),
                           transfer(AFTER_SALES, "淋水试验确认天窗前部排水管脱落，雨水流入车内。",
                                    "请3个工作日内给出维修方案，并准备给消协的书面回复。", to="manager")]),
        WorkOrderStory("wo_warranty_claim", "dealer-sh01", 21, "收费争议",
                       "客户致电总部热线：延保到期前更换水泵，门店以'非授权维修'为由拒绝延保理赔，"
                       "要求客户自付1600元。", "按延保条款理赔。", steps=[
                           send_back("经查本店系统中没有该客户的购车、保养和延保记录；客户出示的保养单据由"
                                     "一家非授权维修店开具。请总部与客户核实购买延保的门店。")]),
        WorkOrderStory("wo_brake_pads", "dealer-sh01", 22, "维修质量",
                       "客户致电总部热线：在门店更换的前刹车片不到五千公里就磨到报警，门店称属于正常磨损，"
                       "要求客户自费更换。", "免费更换刹车片并检查刹车盘。", steps=[
                           send_back("本店没有该车的维修记录。客户说的是'闵行那家店'，应为闵行二店，请总部改派。"),
                           redirect("dealer-sh02", "已与客户电话核实：车辆在闵行二店购买，刹车片也在该店更换，"
                                                   "改派闵行二店处理。"),
                           accept("已受理，服务经理今天致电客户，约周六到店检查刹车系统。", by="manager")]),
        WorkOrderStory("wo_breakdown_elevated", "dealer-sh02", 23, "救援服务",
                       "客户致电总部热线：车辆在中环高架上仪表提示变速箱故障，随后无法加速，已停在应急车道；"
                       "门店的救援电话无人接听。", "立即派救援车，并安排代步车。", hours=0.5),
    ],
    "prop": [
        WorkOrderStory("wo_garage_gate", "prop-bj01", 17, "维修服务",
                       "业主致电总部客服热线：地下车库入口道闸损坏三天，车辆进出要排队人工登记，早高峰堵到小区外；"
                       "物业说要等厂家来修。", "尽快修好道闸，修好前增派人员疏导。"),
        WorkOrderStory("wo_floor_heating", "prop-bj02", 17, "维修服务",
                       "12345市民热线转来：新交付房屋的地暖不热，室温只有15度；物业说是开发商的问题，"
                       "开发商让找物业，互相推诿。", "查明原因尽快修复，不再推诿。", source="other",
                       steps=[
                           accept("已受理。工程部今天下午上门测温，并检查分集水器和入户阀门。"),
                           investigate(),
                           transfer(ENGINEERING, "上门测温客厅15℃、卧室14℃；分集水器滤网被施工残渣堵塞。",
                                    "清洗分集水器并冲洗地暖管道，完成后复测室温。", to="manager")]),
        WorkOrderStory("wo_street_light", "prop-bj01", 18, "其他",
                       "业主致电总部热线：小区东门外道路的路灯坏了一个多月，晚上下班回家一片漆黑，"
                       "担心老人孩子的安全。", "尽快修好路灯。", steps=[
                           send_back("东门外道路是市政道路，路灯由区市政部门管理，不在本项目的物业管理范围内。"
                                     "已告知业主可拨打12345反映；请总部答复客户。")]),
        WorkOrderStory("wo_pipe_leak", "prop-bj01", 19, "房屋渗漏",
                       "业主致电总部热线：楼上暖气管爆裂，水从顶棚流下来，客厅吊顶和电视都被泡了；"
                       "打物业电话没人接。", "马上关阀止水，赔偿损失。", steps=[
                           send_back("业主所说的'学府小区'是万家·海淀学府，不是本公司管理的项目。请总部改派。"),
                           redirect("prop-bj02", "已与业主核实：房屋在万家·海淀学府8号楼，改派海淀项目公司处理。"),
                           accept("已受理，维修人员已上门关闭楼上暖气阀门；今天评估业主的损失。",
                                  by="manager")]),
        WorkOrderStory("wo_power_cut", "prop-bj02", 18, "房屋渗漏",
                       "业主致电总部热线：楼上装修把水管打穿，水顺着电线管流进本户，家里已跳闸断电，"
                       "联系物业没人接听。", "立即派人处理，恢复供电。", hours=0.5),
    ],
}
