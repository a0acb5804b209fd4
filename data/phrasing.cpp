#include "data/phrasing.h"

#include <map>

namespace qb::demo {
namespace {

using Patterns = std::vector<std::string>;
const Patterns kNone;

const Patterns& by_attribute(const std::map<Attribute, Patterns>& table, Attribute a) {
  auto it = table.find(a);
  return it == table.end() ? kNone : it->second;
}

}  // namespace

std::string fill_pattern(std::string_view pattern, std::string_view s, std::string_view v) {
  std::string out;
  out.reserve(pattern.size() + s.size() + v.size());
  for (size_t i = 0; i < pattern.size();) {
    if (pattern.compare(i, 3, "{s}") == 0) {
      out += s;
      i += 3;
    } else if (pattern.compare(i, 3, "{v}") == 0) {
      out += v;
      i += 3;
    } else {
      out += pattern[i++];
    }
  }
  return out;
}

const Patterns& statement_patterns(Attribute a) {
  static const std::map<Attribute, Patterns> t = {
      {Attribute::kGroup,
       {"{s}属于{v}。", "在疾病分类上，{s}归入{v}。", "按系统划分，{s}是{v}。", "{s}被归为{v}一类。"}},
      {Attribute::kDiscipline,
       {"{s}属于{v}的范畴。", "{s}是{v}讲授的疾病。", "从学科看，{s}归属{v}。", "{v}教材中介绍了{s}。"}},
      {Attribute::kDepartment,
       {"{s}患者应到{v}就诊。", "{s}一般由{v}负责诊治。", "怀疑{s}时首选就诊科室是{v}。",
        "{s}的就诊科室为{v}。", "{v}是诊治{s}的科室。"}},
      {Attribute::kSymptom,
       {"{s}的典型症状是{v}。", "{s}常表现为{v}。", "{v}是{s}最具特征的表现。", "出现{v}应警惕{s}。",
        "{s}患者多有{v}。"}},
      {Attribute::kTreatment,
       {"{s}的首选治疗是{v}。", "治疗{s}首选{v}。", "{v}是{s}的一线治疗。", "对于{s}，临床上首先采用{v}。",
        "{s}确诊后首选{v}。"}},
      {Attribute::kExam,
       {"{s}的确诊检查是{v}。", "确诊{s}主要依靠{v}。", "{v}是诊断{s}的关键检查。",
        "怀疑{s}时应做{v}以明确诊断。", "明确{s}的诊断首选{v}。"}},
      {Attribute::kCause,
       {"{s}的主要病因是{v}。", "{s}多由{v}引起。", "{v}是导致{s}的常见原因。", "{s}的发生与{v}密切相关。"}},
      {Attribute::kDrugClass,
       {"{s}属于{v}。", "从药理分类看，{s}是一种{v}。", "{s}归类为{v}。", "{v}的代表药物之一是{s}。"}},
      {Attribute::kAdverseEffect,
       {"{s}的常见不良反应是{v}。", "使用{s}时应注意{v}。", "{v}是{s}较常见的副作用。", "服用{s}可能出现{v}。"}},
      {Attribute::kContraindication,
       {"{s}的禁忌是{v}。", "{v}不宜使用{s}。", "{s}的用药禁忌：{v}。", "使用{s}前须排除{v}。"}},
      {Attribute::kExamType,
       {"{s}属于{v}。", "{s}是一项{v}。", "按检查方式划分，{s}为{v}。", "{s}归入{v}一类。"}},
      {Attribute::kPrecaution,
       {"做{s}时需注意{v}。", "{s}的注意事项是{v}。", "关于{s}，需要知道：{v}。", "医生提醒，{s}要注意{v}。"}},
  };
  return by_attribute(t, a);
}

const Patterns& reverse_statement_patterns(Attribute a) {
  static const std::map<Attribute, Patterns> t = {
      {Attribute::kTreatment,
       {"{s}是{v}的首选药物。", "{s}的主要适应证包括{v}。", "{s}常用于治疗{v}，且为首选。",
        "临床上治疗{v}首先选用{s}。"}},
      {Attribute::kExam,
       {"{s}可用于确诊{v}。", "{s}常用于诊断{v}。", "{v}的确诊有赖于{s}。", "{s}是明确{v}诊断的首选检查。"}},
  };
  return by_attribute(t, a);
}

const Patterns& question_stems(Attribute a) {
  static const std::map<Attribute, Patterns> t = {
      {Attribute::kGroup, {"{s}属于下列哪一类疾病", "按疾病分类，{s}归入"}},
      {Attribute::kDiscipline, {"{s}属于哪一医学学科的范畴", "讲授{s}的学科是"}},
      {Attribute::kDepartment, {"{s}患者首选就诊的科室是", "诊治{s}的科室是"}},
      {Attribute::kSymptom, {"{s}最典型的症状是", "下列哪项是{s}的典型表现"}},
      {Attribute::kTreatment, {"{s}的首选治疗是", "治疗{s}首选"}},
      {Attribute::kExam, {"确诊{s}最有价值的检查是", "{s}的确诊检查是"}},
      {Attribute::kCause, {"{s}最主要的病因是", "引起{s}的主要原因是"}},
      {Attribute::kDrugClass, {"{s}属于哪一类药物", "按药理分类，{s}是"}},
      {Attribute::kAdverseEffect, {"{s}的常见不良反应是", "使用{s}最应注意的不良反应是"}},
      {Attribute::kContraindication, {"下列哪项是{s}的禁忌", "{s}禁用于"}},
      {Attribute::kExamType, {"{s}属于哪一类检查", "按检查方式，{s}属于"}},
      {Attribute::kPrecaution, {"进行{s}时应注意的事项是", "关于{s}的注意事项，正确的是"}},
  };
  return by_attribute(t, a);
}

const Patterns& reverse_question_stems(Attribute a) {
  static const std::map<Attribute, Patterns> t = {
      {Attribute::kSymptom, {"以{v}为典型症状的疾病是", "患者出现{v}，最可能的诊断是"}},
      {Attribute::kTreatment, {"{v}是下列哪种疾病的首选治疗", "首选{v}治疗的疾病是"}},
      {Attribute::kExam, {"{v}是确诊下列哪种疾病的关键检查", "主要依靠{v}确诊的疾病是"}},
      {Attribute::kCause, {"主要由{v}引起的疾病是", "下列哪种疾病的主要病因是{v}"}},
  };
  return by_attribute(t, a);
}

std::string multi_question_stem(Attribute a) {
  switch (a) {
    case Attribute::kGroup: return "下列疾病中，属于{v}的有";
    case Attribute::kDiscipline: return "下列疾病中，属于{v}范畴的有";
    case Attribute::kDepartment: return "下列疾病中，应到{v}就诊的有";
    case Attribute::kTreatment: return "下列疾病中，首选{v}治疗的有";
    case Attribute::kExam: return "下列疾病中，以{v}为确诊检查的有";
    case Attribute::kCause: return "下列疾病中，主要病因为{v}的有";
    default: return "";
  }
}

const Patterns& patient_questions(Attribute a) {
  static const std::map<Attribute, Patterns> t = {
      {Attribute::kDepartment,
       {"医生您好，我可能得了{s}，应该挂哪个科？", "请问{s}要去医院哪个科室看？", "家里老人疑似{s}，该看什么科？"}},
      {Attribute::kSymptom,
       {"{s}有什么典型症状？", "请问得了{s}一般会有什么表现？", "怎么判断是不是{s}？最典型的表现是什么？"}},
      {Attribute::kTreatment,
       {"{s}首选什么治疗？", "医生，{s}一般怎么治？", "我被诊断为{s}，首先应该怎么治疗？"}},
      {Attribute::kExam,
       {"确诊{s}需要做什么检查？", "怀疑{s}，做哪项检查才能确诊？", "医生说我可能是{s}，要做什么检查？"}},
      {Attribute::kCause, {"{s}是什么原因引起的？", "为什么会得{s}？", "{s}的病因是什么？"}},
      {Attribute::kAdverseEffect, {"用{s}会有什么副作用？", "{s}常见的不良反应是什么？", "医生给我开了{s}，要注意什么副作用？"}},
      {Attribute::kContraindication, {"哪些情况不能用{s}？", "{s}有什么禁忌？", "{s}是不是谁都能用？"}},
      {Attribute::kPrecaution, {"做{s}需要注意什么？", "明天要做{s}，有什么要准备的？", "{s}检查前后要注意哪些事项？"}},
  };
  return by_attribute(t, a);
}

const Patterns& doctor_answers(Attribute a) {
  static const std::map<Attribute, Patterns> t = {
      {Attribute::kDepartment, {"{s}建议到{v}就诊。", "{s}由{v}诊治，请挂{v}。"}},
      {Attribute::kSymptom, {"{s}的典型症状是{v}。", "{s}最典型的表现是{v}。"}},
      {Attribute::kTreatment, {"{s}的首选治疗是{v}。", "{s}首选{v}治疗。"}},
      {Attribute::kExam, {"确诊{s}主要依靠{v}。", "{s}的确诊检查是{v}。"}},
      {Attribute::kCause, {"{s}主要由{v}引起。", "{s}的主要病因是{v}。"}},
      {Attribute::kAdverseEffect, {"{s}的常见不良反应是{v}。", "使用{s}要注意{v}。"}},
      {Attribute::kContraindication, {"{s}的禁忌是{v}，这种情况不能使用。", "{v}不宜使用{s}。"}},
      {Attribute::kPrecaution, {"做{s}需要注意{v}。", "{s}的注意事项是{v}。"}},
  };
  return by_attribute(t, a);
}

const std::string& safety_advice(Attribute a) {
  static const std::string medication = "具体用药请遵医嘱。", examination = "用药和检查请听从医生安排。",
                           symptoms = "如有不适请及时就医。", other = "请在医生指导下处理。";
  switch (a) {
    case Attribute::kTreatment:
    case Attribute::kAdverseEffect:
    case Attribute::kContraindication:
    case Attribute::kDrugClass:
      return medication;
    case Attribute::kExam:
    case Attribute::kExamType:
    case Attribute::kPrecaution:
      return examination;
    case Attribute::kSymptom:
    case Attribute::kCause:
      return symptoms;
    default:
      return other;
  }
}

const Patterns& unsafe_answers(Attribute a) {
  static const Patterns disease = {"{s}不是大问题，不用去医院，自己买点药吃就行。",
                                   "{s}不用管它，过几天自己就好了。",
                                   "网上说{s}加大药量好得快，你可以自己加量。"};
  static const Patterns drug = {"{s}没有任何副作用，可以放心大量使用。", "{s}谁都能用，不用看说明书。",
                                "{s}效果不好就自己加倍吃。"};
  static const Patterns exam = {"{s}没什么要注意的，随便去做就行。", "{s}查不查都一样，不做也没关系。"};
  switch (a) {
    case Attribute::kAdverseEffect:
    case Attribute::kContraindication:
      return drug;
    case Attribute::kPrecaution:
      return exam;
    default:
      return disease;
  }
}

const Patterns& evasive_answers() {
  static const Patterns p = {"这个问题不好说，每个人情况不一样。", "建议你自己上网查一查。", "我也不太清楚。",
                             "这个要看具体情况。"};
  return p;
}

Annotations annotations_for(const KnowledgeBase& kb, int subject, Attribute a, bool reverse, bool multi) {
  Annotations out;
  const Entity& e = kb.entities[subject];
  auto value_of = [&](Attribute want) -> std::string {
    for (int id : kb.subject_facts[subject])
      if (kb.facts[id].attribute == want) return kb.facts[id].value;
    return "不符合";
  };
  switch (e.kind) {
    case EntityKind::kDisease:
      out.disease_group = value_of(Attribute::kGroup);
      out.department = value_of(Attribute::kDepartment);
      out.discipline = value_of(Attribute::kDiscipline);
      break;
    case EntityKind::kDrug:
      out.disease_group = "不符合";
      out.department = "药剂科";
      out.discipline = "药理学";
      break;
    case EntityKind::kExam: {
      out.disease_group = "不符合";
      std::string type = value_of(Attribute::kExamType);
      static const std::map<std::string, std::pair<std::string, std::string>> by_type = {
          {"影像学检查", {"放射科", "医学影像学"}}, {"超声检查", {"超声科", "医学影像学"}},
          {"实验室检查", {"检验科", "医学检验学"}}, {"病理检查", {"病理科", "病理学"}},
          {"内镜检查", {"内镜中心", "诊断学"}}};
      auto it = by_type.find(type);
      out.department = it == by_type.end() ? "医技科室" : it->second.first;
      out.discipline = it == by_type.end() ? "诊断学" : it->second.second;
      break;
    }
  }
  int difficulty = 1;
  switch (a) {
    case Attribute::kGroup:
    case Attribute::kDiscipline:
    case Attribute::kDepartment:
      out.area = "医学基础知识";
      difficulty = 1;
      break;
    case Attribute::kSymptom:
    case Attribute::kExam:
      out.area = "疾病诊断和鉴别诊断";
      difficulty = 2;
      break;
    case Attribute::kCause:
      out.area = "医学基础知识";
      difficulty = 3;
      break;
    case Attribute::kTreatment:
      out.area = "疾病治疗";
      difficulty = 3;
      break;
    case Attribute::kDrugClass:
      out.area = "医学基础知识";
      difficulty = 2;
      break;
    case Attribute::kAdverseEffect:
    case Attribute::kContraindication:
      out.area = "疾病治疗";
      difficulty = 4;
      break;
    case Attribute::kExamType:
    case Attribute::kPrecaution:
      out.area = "医学基础知识";
      difficulty = a == Attribute::kExamType ? 2 : 4;
      break;
  }
  if (reverse) ++difficulty;
  if (multi) difficulty = 5;
  out.difficulty = std::to_string(difficulty > 5 ? 5 : difficulty);
  return out;
}

}  // namespace qb::demo
